/** `kadm config print init-defaults | migrate | images list`. */
import type { Command } from "commander";
import { imagesFor, migrateConfig, renderInitDefaults } from "../lib/config/mod.ts";
import { writeFileAtomic } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { consoleLogger } from "../lib/log.ts";
import { loadFromOptions } from "./init.ts";

export function configPrintInitDefaults(o: { kubernetesVersion?: string }): void {
  Deno.stdout.writeSync(new TextEncoder().encode(renderInitDefaults(o.kubernetesVersion)));
}

export async function configMigrate(o: { oldConfig: string; newConfig?: string }): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(o.oldConfig);
  } catch (e) {
    throw new UserError(`Unable to read config file "${o.oldConfig}": ${e instanceof Error ? e.message : e}`);
  }
  const { yaml, warnings } = migrateConfig(text, o.oldConfig);
  const log = consoleLogger();
  for (const w of warnings) log.warn(`W: ${w}`);
  if (o.newConfig) await writeFileAtomic(o.newConfig, yaml, { mode: 0o600 });
  else Deno.stdout.writeSync(new TextEncoder().encode(yaml));
}

export async function configImagesList(o: Record<string, unknown>, _c: Command): Promise<void> {
  const output = o.output ?? "text";
  if (output !== "text" && output !== "json") {
    throw new UserError(`Invalid value for --output: "${output}"; use text or json`);
  }
  const { cfg } = await loadFromOptions(o, consoleLogger());
  const images = imagesFor(cfg);
  console.log(output === "json" ? JSON.stringify({ kind: "Images", images }, null, 2) : images.join("\n"));
}
