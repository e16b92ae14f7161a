/**
 * The `kadm reset` phase tree, as kubeadm's reset workflow: preflight, (update-cluster-status up to
 * v1.22), remove-etcd-member, cleanup-node. Inputs: a ResetContext (version found by cli/reset.ts,
 * the per-minor ResetProfile, --rootfs root, certificates folder, CRI socket, the stored
 * ClusterConfiguration when the API server answered). Outputs: kubeadm's `[reset] ...` lines; files
 * removed under the root; `systemctl stop kubelet`, `umount`, crictl/docker run through ctx.runner.
 * Nothing is changed in dry-run: every step says what it would do instead.
 */
import { UserError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { CommandRunner } from "../lib/host.ts";
import type { KubeClient } from "../lib/kubeapi.ts";
import {
  fatalMessage,
  ignoreSet,
  type PreflightHost,
  privilegedUserCheck,
  runChecks,
} from "../lib/preflight/mod.ts";
import type { ResetPhaseName, ResetProfile } from "../lib/reset/profile.ts";
import { type StoredCluster } from "../lib/reset/plan.ts";
import type { EtcdMembersClient, EtcdTls } from "../lib/reset/etcd.ts";
import { runCleanupNode } from "./reset_cleanup.ts";
import { runRemoveEtcdMember, runUpdateClusterStatus } from "./reset_etcd.ts";

/** kadm's record of what it generated (lib/state.ts); reset keeps a CA it did not make. */
export interface GeneratedRecord {
  /** Whether kadm generated `<certDir>/<baseName>.crt|.key` (certDir as seen by this process). */
  isKadmGenerated(certDir: string, baseName: string): Promise<boolean>;
}

/** Without a record nothing counts as kadm's: every CA is kept. */
export const NO_RECORD: GeneratedRecord = { isKadmGenerated: () => Promise.resolve(false) };

export interface ResetContext {
  readonly version: string;
  readonly profile: ResetProfile;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly cleanupTmpDir: boolean;
  /** --rootfs folder ("" = the host): every host path is read and changed under it. */
  readonly root: string;
  /** The certificates folder as a host path (e.g. /etc/kubernetes/pki). */
  readonly certsDir: string;
  readonly criSocket: string;
  /** The stored ClusterConfiguration (kubeadm's cfg); undefined when the cluster did not answer. */
  readonly cluster: StoredCluster | undefined;
  readonly client: KubeClient | undefined;
  readonly nodeName: string;
  readonly ignorePreflightErrors: readonly string[];
  readonly log: Logger;
  readonly runner: CommandRunner;
  readonly host: PreflightHost;
  /** Prints the prompt and reads one line; undefined when standard input has nothing (closed). */
  ask(prompt: string): Promise<string | undefined>;
  readonly generated: GeneratedRecord;
  readonly etcdClient: (endpoints: readonly string[], tls: EtcdTls) => EtcdMembersClient;
  /** kubeadm's dirsToClean of the stateful layout, filled by the phases of this run. */
  readonly statefulDirs: string[];
  /** umount(8) options from ResetConfiguration.unmountFlags (e.g. --lazy for MNT_DETACH). */
  readonly umountArgs?: readonly string[];
}

/** Host path -> where this run reads and changes it. */
export function at(ctx: Pick<ResetContext, "root">, hostPath: string): string {
  return ctx.root + hostPath;
}

export interface ResetPhase {
  readonly name: ResetPhaseName;
  readonly short: string;
  run(ctx: ResetContext): Promise<void>;
}

async function runPreflight(ctx: ResetContext): Promise<void> {
  if (!ctx.force && !ctx.dryRun) {
    const warning =
      "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.";
    if (ctx.profile.warningOnStderr) ctx.log.warn(warning);
    else ctx.log.info(warning);
    const answer = await ctx.ask("[reset] Are you sure you want to proceed? [y/N]: ");
    if (answer === undefined) {
      throw new UserError(
        "Refusing to reset without confirmation: standard input gave no answer (not interactive); " +
          "run 'kadm reset --force' to reset without the prompt",
      );
    }
    const a = answer.trim().toLowerCase();
    const ok = a === "y" || (ctx.profile.minor >= 26 && a === "yes");
    if (!ok) throw new UserError(ctx.profile.abortMessage);
  }
  ctx.log.info("[preflight] Running pre-flight checks");
  const sink = { warn: (l: string) => ctx.log.warn(l), info: (l: string) => ctx.log.info(l) };
  const errors = await runChecks(
    [privilegedUserCheck()],
    ctx.host,
    ignoreSet(ctx.ignorePreflightErrors),
    sink,
  );
  if (errors.length > 0) throw new UserError(fatalMessage(errors));
}

const PHASES: readonly ResetPhase[] = [
  { name: "preflight", short: "Run reset pre-flight checks", run: runPreflight },
  {
    name: "update-cluster-status",
    short: "Remove this node from the ClusterStatus object (DEPRECATED).",
    run: runUpdateClusterStatus,
  },
  { name: "remove-etcd-member", short: "Remove a local etcd member.", run: runRemoveEtcdMember },
  { name: "cleanup-node", short: "Run cleanup node.", run: runCleanupNode },
];

/** The phases kubeadm reset of this minor runs, in order. */
export function resetPhases(p: ResetProfile): ResetPhase[] {
  return p.phases.map((n) => PHASES.find((x) => x.name === n)!);
}

/** Checks --skip-phases names against the minor's tree. */
export function validateResetSkips(p: ResetProfile, skips: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of skips) {
    const s = raw.trim();
    if (s === "") continue;
    if (!p.phases.includes(s as ResetPhaseName)) {
      throw new UserError(
        `Invalid value for --skip-phases: phase "${raw}" does not exist for kubeadm v1.${p.minor} reset; ` +
          `valid phases: ${p.phases.join(", ")}`,
      );
    }
    out.push(s);
  }
  return out;
}

async function runOne(ph: ResetPhase, ctx: ResetContext): Promise<void> {
  try {
    await ph.run(ctx);
  } catch (e) {
    if (e instanceof UserError && ph.name === "preflight") throw e;
    throw new UserError(`error execution phase ${ph.name}: ${(e as Error).message}`, {
      cause: e,
      exitCode: e instanceof UserError ? e.exitCode : 1,
    });
  }
}

/** `kadm reset`: every phase not skipped, then (v1.20 - v1.26) the stateful folders, then the closing text. */
export async function runResetWorkflow(ctx: ResetContext, skips: readonly string[]): Promise<void> {
  for (const ph of resetPhases(ctx.profile)) {
    if (!skips.includes(ph.name)) await runOne(ph, ctx);
  }
  if (ctx.profile.layout === "stateful") {
    const dirs = [...new Set(ctx.statefulDirs)];
    ctx.log.info(
      `[reset] ${ctx.dryRun ? "Would delete" : "Deleting"} contents of stateful directories: [${
        dirs.join(" ")
      }]`,
    );
    if (!ctx.dryRun) { for (const d of dirs) await cleanDir(ctx, d, new Set()); }
  }
  for (const line of ctx.profile.closing.replace(/\n$/, "").split("\n")) ctx.log.info(line);
}

/** `kadm reset phase <name>`. */
export async function runResetPhase(ctx: ResetContext, name: string): Promise<void> {
  const ph = resetPhases(ctx.profile).find((p) => p.name === name);
  if (!ph) {
    throw new UserError(
      `Unknown phase "${name}" of reset for v1.${ctx.profile.minor}: valid names are ${
        ctx.profile.phases.join(", ")
      }`,
    );
  }
  await runOne(ph, ctx);
}

/**
 * Empties a folder (kubeadm's CleanDir: the folder itself stays), except the relative paths in
 * `keep` (e.g. "etcd/ca.crt"). A missing folder is fine. Failures are warnings, as in kubeadm.
 */
export async function cleanDir(ctx: ResetContext, hostDir: string, keep: ReadonlySet<string>): Promise<void> {
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (keep.has(r)) continue;
      const full = `${dir}/${e.name}`;
      if (e.isDirectory && [...keep].some((k) => k.startsWith(r + "/"))) await walk(full, r);
      else await Deno.remove(full, { recursive: true });
    }
  };
  try {
    await walk(at(ctx, hostDir), "");
  } catch (e) {
    ctx.log.warn(`[reset] Failed to delete contents of "${hostDir}" directory: ${(e as Error).message}`);
  }
}
