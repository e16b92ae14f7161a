/**
 * Builds the one InitContext a run uses. Dry-run swaps the root folder (a host-shaped tree under
 * DIR) and the command runner (it only says what it would run); nothing else branches on it.
 */
import type { InitConfig } from "../lib/model.ts";
import { UserError } from "../lib/errors.ts";
import { parseVersion } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";
import type { Logger } from "../lib/log.ts";
import {
  type CommandRunner,
  exists,
  hostname,
  readIfExists,
  realRunner,
  writeFileAtomic,
} from "../lib/host.ts";
import { statePath } from "../lib/state.ts";
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

/** The signing material that defines a cluster (its CAs and the service-account key pair), and kadm's record. */
const DRY_RUN_SEED: readonly (readonly [string, readonly string[]])[] = [
  ["ca", ["ca.crt", "ca.key"]],
  ["front-proxy-ca", ["front-proxy-ca.crt", "front-proxy-ca.key"]],
  ["etcd/ca", ["etcd/ca.crt", "etcd/ca.key"]],
  ["sa", ["sa.key", "sa.pub"]],
];

/**
 * Dry-run over a host that already has CAs (a pre-generated CA, a re-run): copies them (and kadm's
 * record) into the dry-run folder where it has none, so the dry-run signs with them and prints the join
 * command's real CA hash instead of one from a CA that will never exist. Returns the base names copied.
 */
async function seedDryRunPki(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  for (const [base, files] of DRY_RUN_SEED) {
    let any = false;
    for (const f of files) {
      const data = await readIfExists(`${from}/${f}`);
      if (data === undefined || (await exists(`${to}/${f}`))) continue;
      await writeFileAtomic(`${to}/${f}`, data, { mode: f.endsWith(".key") ? 0o600 : 0o644 });
      any = true;
    }
    if (any) copied.push(base);
  }
  const record = await readIfExists(statePath(from));
  if (copied.length > 0 && record !== undefined && !(await exists(statePath(to)))) {
    await writeFileAtomic(statePath(to), record, { mode: 0o600 });
  }
  return copied;
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
    const copied = await seedDryRunPki(
      hostRoot + cfg.cluster.certificatesDir,
      root + cfg.cluster.certificatesDir,
    );
    if (copied.length > 0) {
      o.log.info(
        `[dryrun] Using the existing ${
          copied.join(", ")
        } of ${cfg.cluster.certificatesDir} (copied into the dry-run folder)`,
      );
    }
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
