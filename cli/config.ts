/** `kadm config print init-defaults | migrate | validate | images list | images pull`. */
import type { Command } from "commander";
import { imagesFor, loadInitConfig, migrateConfig, renderInitDefaults } from "../lib/config/mod.ts";
import { realRunner, writeFileAtomic } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { consoleLogger } from "../lib/log.ts";
import { loadFromOptions } from "./init.ts";
import { minorOf } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";
import { imageList } from "../lib/images.ts";
import { pulledLine, pullImages } from "../lib/images_pull.ts";
import { criEndpoint } from "../lib/kubelet.ts";
import { realPreflightHost, resolveCRISocket } from "../lib/preflight/mod.ts";

export function configPrintInitDefaults(o: { kubernetesVersion?: string }): void {
  Deno.stdout.writeSync(new TextEncoder().encode(renderInitDefaults(o.kubernetesVersion)));
}

/** The text of a config file for `config migrate|validate` and `reset --config` (their error wording). */
export async function readConfigFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new UserError(`Unable to read config file "${path}": ${e instanceof Error ? e.message : e}`);
  }
}

export async function configMigrate(o: { oldConfig: string; newConfig?: string }): Promise<void> {
  const text = await readConfigFile(o.oldConfig);
  const { yaml, warnings } = migrateConfig(text, o.oldConfig);
  const log = consoleLogger();
  for (const w of warnings) log.warn(`W: ${w}`);
  if (o.newConfig) await writeFileAtomic(o.newConfig, yaml, { mode: 0o600 });
  else Deno.stdout.writeSync(new TextEncoder().encode(yaml));
}

/**
 * `kadm config validate --config F` (kubeadm v1.28+): the whole config is read and checked as `kadm init`
 * would (every document, field and value, for its Kubernetes version), without looking at this host; prints
 * the warnings and `ok`, or fails with the first problems.
 */
export async function configValidate(o: { config?: string }): Promise<void> {
  if (!o.config) throw new UserError("The --config flag is mandatory: kadm config validate --config FILE");
  const text = await readConfigFile(o.config);
  const { warnings } = loadInitConfig({ configText: text, configPath: o.config, flags: {}, host: undefined });
  const log = consoleLogger();
  for (const w of warnings) log.warn(`W: ${w}`);
  console.log("ok");
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

/** Pulls every image of `config images list` through the CRI socket (given, configured or detected). */
export async function configImagesPull(o: Record<string, unknown>): Promise<void> {
  const log = consoleLogger();
  const { cfg } = await loadFromOptions(o, log);
  const info = minorInfo(minorOf(cfg.cluster));
  const host = realPreflightHost();
  const socket = await resolveCRISocket(cfg.nodeRegistration.criSocket, info, (p) => host.isSocket(p));
  await pullImages(
    realRunner,
    criEndpoint(socket, info),
    imageList(cfg, info),
    (i) => log.info(pulledLine(i)),
  );
}
