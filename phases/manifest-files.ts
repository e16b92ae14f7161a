/** Writing a static Pod manifest: 0600 in a 0700 folder, replaced only when it changed. */
import { writeIfChanged } from "../lib/host.ts";
import { type InitContext, onDisk } from "./types.ts";

export function manifestPath(ctx: InitContext, component: string): string {
  return `${ctx.paths.manifestsDir}/${component}.yaml`;
}

export async function writeManifest(ctx: InitContext, component: string, yaml: string): Promise<void> {
  const outcome = await writeIfChanged(onDisk(ctx, manifestPath(ctx, component)), yaml, {
    mode: 0o600,
    dirMode: 0o700,
  });
  if (outcome === "updated") {
    ctx.log.info(
      `[control-plane] Updated static Pod manifest "${
        manifestPath(ctx, component)
      }" (it differed from the config)`,
    );
  }
}
