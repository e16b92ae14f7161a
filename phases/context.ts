/**
 * Builds the one InitContext a run uses. Dry-run swaps the root folder (a host-shaped tree under
 * DIR) and the command runner (it only says what it would run); nothing else branches on it.
 */
import type { InitConfig } from "../lib/model.ts";
import { UserError } from "../lib/errors.ts";
import { parseVersion } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";
import type { Logger } from "../lib/log.ts";
import { type CommandRunner, exists, hostname, realRunner } from "../lib/host.ts";
import { webCryptoKeySource } from "../lib/pki/keys.ts";
import type { KeySource } from "../lib/pki/keys.ts";
import type { InitContext, RunSwitches } from "./types.ts";
import { readPatches } from "./patches.ts";

export interface ContextOptions {
  readonly dryRun: boolean;
  /** Dry-run folder; a new temp folder when not given. */
  readonly dryRunDir?: string;
  /** kubeadm's --rootfs: the host's root folder; every host path is read and written under it. */
  readonly rootfs?: string;
  /** kubeadm's --kubeconfig-dir (phases); default /etc/kubernetes. */
  readonly kubeconfigDir?: string;
  readonly log: Logger;
  readonly keys?: KeySource;
  readonly runner?: CommandRunner;
  readonly now?: Date;
  readonly options?: RunSwitches;
}

/** A runner that runs nothing and logs what it would have run. */
export function dryRunRunner(log: Logger): CommandRunner {
  return {
    run(cmd, args) {
      log.info(`[dryrun] Would run "${[cmd, ...args].join(" ")}"`);
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    },
    has: (cmd) => realRunner.has(cmd),
  };
}

export async function createInitContext(cfg: InitConfig, o: ContextOptions): Promise<InitContext> {
  const version = parseVersion(cfg.cluster.kubernetesVersion);
  if (!version) throw new Error(`internal: unresolved version ${cfg.cluster.kubernetesVersion}`);
  // Bad patches fail here, before anything (even the dry-run folder) is written.
  const patches = await readPatches(cfg.patchesDirectory, version.minor);
  const hostRoot = o.rootfs
    ? await Deno.realPath(o.rootfs).catch(() => {
      throw new UserError(`Invalid value for --rootfs: "${o.rootfs}" is not an existing folder`);
    })
    : "";
  let root = hostRoot;
  if (o.dryRun) {
    root = o.dryRunDir ?? await Deno.makeTempDir({ prefix: "kadm-init-dryrun" });
    await Deno.mkdir(root, { recursive: true });
    root = await Deno.realPath(root);
  }
  return {
    cfg,
    version,
    minor: minorInfo(version.minor),
    dryRun: o.dryRun,
    paths: {
      root,
      hostRoot,
      kubeconfigDir: o.kubeconfigDir ?? "/etc/kubernetes",
      manifestsDir: "/etc/kubernetes/manifests",
      kubeletDir: "/var/lib/kubelet",
      kubeletDropInDir: "/etc/systemd/system/kubelet.service.d",
    },
    log: o.log,
    runner: o.runner ?? (o.dryRun ? dryRunRunner(o.log) : realRunner),
    keys: o.keys ?? webCryptoKeySource(),
    now: o.now ?? new Date(),
    hostname: hostname(),
    hostPathExists: (p) => exists(hostRoot + p),
    cache: new Map(),
    patches,
    options: o.options ?? { uploadCerts: false, skipTokenPrint: false, skipCertificateKeyPrint: false },
  };
}
