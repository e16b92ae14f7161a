/**
 * Writing rendered files (static Pod manifests: 0600 in a 0700 folder; kubelet files): replaced
 * atomically only when they changed, and then the difference is printed (that is how a re-run with
 * other flags shows what it changed).
 */
import { replaceIfChanged, type WriteOutcome } from "../lib/host.ts";
import { unifiedDiff } from "../lib/diff.ts";
import { type InitContext, onDisk } from "./types.ts";

export function manifestPath(ctx: InitContext, component: string): string {
  return `${ctx.paths.manifestsDir}/${component}.yaml`;
}

/**
 * Writes `text` to the host path `hostPath` (under the run's root) when it differs; an update prints
 * `<updated line>` and then a short diff of the changed lines.
 */
export async function writeRendered(
  ctx: InitContext,
  hostPath: string,
  text: string,
  opts: { mode: number; dirMode: number },
  updated: string,
): Promise<WriteOutcome> {
  const path = onDisk(ctx, hostPath);
  const r = await replaceIfChanged(path, text, opts);
  if (r.outcome === "updated") {
    ctx.log.info(updated);
    const before = new TextDecoder().decode(r.previous);
    for (const l of unifiedDiff(before, text, path)) ctx.log.info(l);
  }
  return r.outcome;
}

export async function writeManifest(ctx: InitContext, component: string, yaml: string): Promise<void> {
  const p = manifestPath(ctx, component);
  await writeRendered(
    ctx,
    p,
    yaml,
    { mode: 0o600, dirMode: 0o700 },
    `[control-plane] Updated static Pod manifest "${p}" (it differed from the config)`,
  );
}
