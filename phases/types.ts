/**
 * The phase contract and the one context every phase receives. No module-level mutable state:
 * everything a phase needs (config, directories, output, host, keys, clock) comes through here.
 * Dry-run swaps the directories (root), the command runner and the API client; nothing else
 * branches on it.
 */
import type { InitConfig, Version } from "../lib/model.ts";
import type { MinorInfo } from "../lib/versions.ts";
import type { Logger } from "../lib/log.ts";
import type { CommandRunner } from "../lib/host.ts";
import type { KeySource } from "../lib/pki/keys.ts";
import type { Patches } from "./patches.ts";

export interface Paths {
  /** Prefix for every file written: "" on the host, the dry-run folder in dry-run, or --rootfs. */
  readonly root: string;
  /** Prefix for host facts read (sockets, CA folders, /proc): "" on the host, or --rootfs. */
  readonly hostRoot: string;
  /** Where kubeconfig files go (kubeadm's --kubeconfig-dir), as seen on the host: /etc/kubernetes. */
  readonly kubeconfigDir: string;
  /** /etc/kubernetes/manifests */
  readonly manifestsDir: string;
  /** /var/lib/kubelet */
  readonly kubeletDir: string;
  /** /etc/systemd/system/kubelet.service.d */
  readonly kubeletDropInDir: string;
}

export interface RunSwitches {
  readonly uploadCerts: boolean;
  readonly skipTokenPrint: boolean;
  readonly skipCertificateKeyPrint: boolean;
}

export interface InitContext {
  readonly cfg: InitConfig;
  readonly version: Version;
  readonly minor: MinorInfo;
  readonly dryRun: boolean;
  readonly paths: Paths;
  readonly log: Logger;
  readonly runner: CommandRunner;
  readonly keys: KeySource;
  /** The start time of this run: certificates' notBefore derive from it. */
  readonly now: Date;
  /** The host's name (node name defaults to it; kubeadm-flags.env compares with it). */
  readonly hostname: string;
  /** Whether a path exists on the host itself (not under root): kubeadm mounts CA folders only if present. */
  hostPathExists(path: string): Promise<boolean>;
  /**
   * Work shared between the phases of this one run (parsed certificates, results a parent phase
   * prepared concurrently for its sub-phases). Keyed by a phase-chosen string; lives as long as the run.
   */
  readonly cache: Map<string, Promise<unknown>>;
  /** Run switches that are not cluster configuration (--upload-certs, --skip-*-print). */
  readonly options: RunSwitches;
  /** The `--patches` folder, read and validated before the first write; undefined = no patches. */
  readonly patches: Patches | undefined;
}

/** Runs `fn` once per run for `key`; a rejection reaches whoever awaits it, never unhandled. */
export function memo<T>(ctx: Pick<InitContext, "cache">, key: string, fn: () => Promise<T>): Promise<T> {
  let p = ctx.cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = fn();
    p.catch(() => {});
    ctx.cache.set(key, p);
  }
  return p;
}

/** Maps a host path (e.g. /etc/kubernetes/pki/ca.crt) to where this run writes it. */
export function onDisk(ctx: Pick<InitContext, "paths">, hostPath: string): string {
  return ctx.paths.root === "" ? hostPath : ctx.paths.root + hostPath;
}

export interface Phase {
  readonly name: string;
  /** Older names kubeadm accepted for it (in `init phase` and `--skip-phases`). */
  readonly aliases?: readonly string[];
  /** One line for help. */
  readonly short: string;
  /** Sub-phases; a parent with sub-phases runs them in order (and accepts `all`). */
  readonly phases?: readonly Phase[];
  /** Longer help text. */
  readonly long?: string;
  /** Returns false when the phase does not apply (external etcd, version without it). */
  runIf?(ctx: InitContext): boolean;
  /** Printed instead when `kadm init phase` names this phase (or its parent) and runIf says no. */
  skipNote?(ctx: InitContext): string;
  /** Runs only when `kadm init phase` names it: never in `kadm init`, nor with its parent or `all`. */
  readonly explicitOnly?: boolean;
  /** A parent may have its own run (printed before its sub-phases run). */
  run?(ctx: InitContext): Promise<void>;
}
