/**
 * Reset phase `cleanup-node`: stop the kubelet (systemctl, else OpenRC, else a warning), unmount what
 * the kubelet mounted under /var/lib/kubelet (from /proc/mounts under the root, deepest first), remove
 * the Pods' containers through the CRI (crictl; docker for the v1.20 - v1.23 dockershim socket), then
 * empty /etc/kubernetes/manifests, the kubelet folder, the certificates folder (keeping a CA kadm did
 * not generate) and delete the kubeconfig files. Inputs: ResetContext. Outputs: kubeadm's lines.
 */
import { messageOf } from "../lib/errors.ts";
import { isDockershim } from "../lib/preflight/cri.ts";
import {
  CA_BASE_NAMES,
  containerCommands,
  deletingDirsLine,
  deletingFilesLine,
  mountsUnder,
  planCleanup,
} from "../lib/reset/plan.ts";
import { KUBELET_DIR } from "../lib/reset/profile.ts";
import { exists, readTextIfExists } from "../lib/host.ts";
import { at, cleanDir, type ResetContext } from "./reset.ts";

async function stopKubelet(ctx: ResetContext): Promise<void> {
  const init = (await ctx.runner.has("systemctl"))
    ? ["systemctl", "stop", "kubelet"]
    : (await ctx.runner.has("rc-service"))
    ? ["rc-service", "kubelet", "stop"]
    : undefined;
  if (!init) {
    ctx.log.warn(
      "[reset] The kubelet service could not be stopped by kadm. Unable to detect a supported init system!",
    );
    ctx.log.warn("[reset] Please ensure kubelet is stopped manually");
    return;
  }
  if (ctx.dryRun) {
    ctx.log.info("[reset] Would stop the kubelet service");
    return;
  }
  ctx.log.info("[reset] Stopping the kubelet service");
  const r = await ctx.runner.run(init[0]!, init.slice(1));
  if (r.code !== 0) {
    ctx.log.warn(
      `[reset] The kubelet service could not be stopped by kadm: [${(r.stderr || r.stdout).trim()}]`,
    );
    ctx.log.warn("[reset] Please ensure kubelet is stopped manually");
  }
}

/** Unmounts under the kubelet folder; returns the folder (host path) to empty, or undefined to skip it. */
async function unmountKubelet(ctx: ResetContext): Promise<string | undefined> {
  ctx.log.info(
    `[reset] ${ctx.dryRun ? "Would unmount" : "Unmounting"} mounted directories in "${KUBELET_DIR}"`,
  );
  let real: string;
  try {
    real = await Deno.realPath(at(ctx, KUBELET_DIR)); // in case it is a symbolic link
  } catch (e) {
    ctx.log.warn(
      `[reset] Failed to evaluate the "${KUBELET_DIR}" directory. Skipping its unmount and cleanup: ${
        messageOf(e)
      }`,
    );
    return undefined;
  }
  const hostPath = ctx.root && real.startsWith(ctx.root + "/") ? real.slice(ctx.root.length) : real;
  const table = await readTextIfExists(at(ctx, "/proc/mounts")) ?? "";
  const failed: string[] = [];
  for (const m of mountsUnder(table, hostPath)) {
    if (ctx.dryRun) {
      ctx.log.info(`[reset] Would unmount ${m}`);
      continue;
    }
    const r = await ctx.runner.run("umount", [...(ctx.umountArgs ?? []), at(ctx, m)]);
    if (r.code !== 0) failed.push(`failed to unmount "${m}": ${(r.stderr || r.stdout).trim()}`);
  }
  if (failed.length > 0) {
    ctx.log.warn(`[reset] Failed to unmount mounted directories in ${KUBELET_DIR}: ${failed.join("; ")}`);
    return undefined;
  }
  return hostPath;
}

async function removeContainers(ctx: ResetContext): Promise<void> {
  if (ctx.dryRun) {
    ctx.log.info("[reset] Would remove Kubernetes-managed containers");
    return;
  }
  const c = containerCommands(ctx.profile, ctx.criSocket, isDockershim(ctx.criSocket));
  const run = (argv: readonly string[]) => ctx.runner.run(argv[0]!, argv.slice(1));
  if (!(await ctx.runner.has(c.tool))) {
    ctx.log.warn(
      `[reset] Failed to remove containers: ${c.tool} is required for container runtime: ` +
        `exec: "${c.tool}": executable file not found in $PATH`,
    );
    return;
  }
  const listed = await run(c.list);
  if (listed.code !== 0) {
    ctx.log.warn(`[reset] Failed to remove containers: output: ${(listed.stderr || listed.stdout).trim()}`);
    return;
  }
  const errors: string[] = [];
  for (const id of listed.stdout.split(/\s+/).filter(Boolean)) {
    let last: string | undefined;
    for (let i = 0; i < c.attempts; i++) {
      last = undefined;
      for (const argv of c.perId(id)) {
        const r = await run(argv);
        if (r.code !== 0) {
          last = `failed to ${argv.includes("rmp") || argv.includes("rm") ? "remove" : "stop"} ${id}: ` +
            `output: ${(r.stderr || r.stdout).trim()}`;
          break;
        }
      }
      if (last === undefined) break;
    }
    if (last !== undefined) errors.push(last);
  }
  if (errors.length > 0) ctx.log.warn(`[reset] Failed to remove containers: [${errors.join(", ")}]`);
}

/** Relative paths under the certificates folder to keep: CAs kadm's record does not claim. */
async function keptCAs(ctx: ResetContext): Promise<string[]> {
  const dir = at(ctx, ctx.certsDir);
  const keep: string[] = [];
  for (const base of CA_BASE_NAMES) {
    const files = [];
    for (const f of [`${base}.crt`, `${base}.key`]) if (await exists(`${dir}/${f}`)) files.push(f);
    if (files.length === 0 || await ctx.generated.isKadmGenerated(dir, base)) continue;
    keep.push(...files);
    ctx.log.info(
      `[reset] ${
        ctx.dryRun ? "Would keep" : "Keeping"
      } the user-provided CA (kadm's record does not list it ` +
        `as generated by kadm): ${files.map((f) => `${ctx.certsDir}/${f}`).join(", ")}`,
    );
  }
  return keep;
}

export async function runCleanupNode(ctx: ResetContext): Promise<void> {
  await stopKubelet(ctx);
  const kubeletDir = await unmountKubelet(ctx);
  if (kubeletDir && ctx.profile.layout === "stateful") {
    ctx.statefulDirs.push(kubeletDir, ...ctx.profile.statefulExtraDirs);
  } else if (ctx.profile.layout === "stateful") ctx.statefulDirs.push(...ctx.profile.statefulExtraDirs);
  await removeContainers(ctx);

  const plan = planCleanup({
    profile: ctx.profile,
    certsDir: ctx.certsDir,
    ...(kubeletDir ? { kubeletDir } : {}),
    cleanupTmpDir: ctx.cleanupTmpDir,
  });
  if (plan.certsWarning) ctx.log.warn(plan.certsWarning);
  const keep = await keptCAs(ctx);
  ctx.log.info(deletingDirsLine(ctx.profile, plan.dirs, ctx.dryRun));
  if (!ctx.dryRun) {
    for (const d of plan.dirs) await cleanDir(ctx, d, d === ctx.certsDir ? new Set(keep) : new Set());
  }
  ctx.log.info(deletingFilesLine(plan.files, ctx.dryRun));
  if (ctx.dryRun) return;
  for (const f of plan.files) {
    try {
      await Deno.remove(at(ctx, f), { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        ctx.log.warn(`[reset] Failed to remove file: "${f}" [${messageOf(e)}]`);
      }
    }
  }
}
