/**
 * `--patches` / `patches.directory` for the phases. cli/init.ts reads and validates the folder right
 * after loading the config (before anything is written) and attaches it to the context; the
 * control-plane and etcd phases patch their Pod objects, kubelet-start the KubeletConfiguration.
 * The `corednsdeployment` target is read and validated here but applied by the addon phase (not built
 * yet). Like kubeadm's cached patch manager, the `[patches] Reading patches ...` lines are printed once,
 * by the first phase that consults the folder.
 * Inputs: cfg.patchesDirectory, the minor (which targets it knows). Outputs: none (log lines only).
 */
import { join } from "node:path";
import { UserError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import {
  appliedPatchLine,
  applyPatchDocument,
  applyPatchSets,
  type Json,
  knownPatchTargets,
  loadPatchSets,
  parsePatchFile,
  patchLoadLines,
  type PatchSets,
  type PatchTargetName,
} from "../lib/patches.ts";
import { kubeletConfigObject, type KubeletHostFacts } from "../lib/kubelet.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import type { InitContext } from "./types.ts";

/** A loaded patches folder; remembers whether its `[patches] Reading ...` lines were printed. */
export class Patches {
  #announced = false;
  constructor(readonly sets: PatchSets) {}

  /** Patches `value` for `target` (a copy); targets this minor's kubeadm does not know are left alone. */
  apply<T>(log: Logger, target: PatchTargetName, value: T): T | Json {
    if (!this.sets.targets.includes(target)) return value;
    if (!this.#announced) {
      this.#announced = true;
      for (const l of patchLoadLines(this.sets)) log.info(l);
    }
    const r = applyPatchSets(this.sets, target, value);
    for (const l of r.lines) log.info(l);
    return r.lines.length > 0 ? r.value : value;
  }
}

const hint = "set --patches (or patches.directory) to an existing folder";

async function listFiles(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(rel === "" ? dir : join(dir, rel))) {
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    // Like filepath.Walk: folders are entered, symlinks are not followed (a link is read as a file).
    if (e.isDirectory) out.push(...await listFiles(dir, path));
    else out.push(path);
  }
  return out;
}

/**
 * Reads and validates the patches folder ("" = none). A missing folder, an unreadable file or an
 * invalid patch is a UserError naming it.
 */
export async function readPatches(dir: string, minor: number): Promise<Patches | undefined> {
  if (dir === "") return undefined;
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(
        `Could not list patch files for path ${JSON.stringify(dir)}: no such folder: ${hint}`,
      );
    }
    throw new UserError(`Could not list patch files for path ${JSON.stringify(dir)}: ${msg(e)}`, {
      cause: e,
    });
  }
  if (!info.isDirectory) {
    throw new UserError(
      `Could not list patch files for path ${
        JSON.stringify(dir)
      }: not a directory (kubeadm does not follow a ` +
        `symbolic link here): ${hint}`,
    );
  }
  let files: string[];
  try {
    files = await listFiles(dir);
  } catch (e) {
    throw new UserError(`Could not list patch files for path ${JSON.stringify(dir)}: ${msg(e)}`, {
      cause: e,
    });
  }
  const read = async (rel: string) => {
    try {
      return await Deno.readTextFile(join(dir, rel));
    } catch (e) {
      throw new UserError(`Could not read the patch file ${JSON.stringify(join(dir, rel))}: ${msg(e)}`, {
        cause: e,
      });
    }
  };
  return new Patches(await loadPatchSets(dir, files, read, knownPatchTargets(minor)));
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Applies the `--patches` of `target` to an object about to be written (a Pod, the kubelet config). */
export function applyPatches<T>(
  ctx: InitContext,
  target: PatchTargetName,
  value: T,
): T | Json {
  return ctx.patches ? ctx.patches.apply(ctx.log, target, value) : value;
}

/**
 * /var/lib/kubelet/config.yaml as kubeadm's WriteConfigToDisk builds it: the KubeletConfiguration,
 * then the user's `kubeletconfiguration` patches, then (NodeLocalCRISocket) instance-config.yaml
 * applied as a strategic merge patch, with its own `[patches] Applied ...` line.
 */
export function kubeletConfigYaml(
  ctx: InitContext,
  host: KubeletHostFacts,
  instanceConfig: string | undefined,
): string {
  let obj = applyPatches(
    ctx,
    "kubeletconfiguration",
    kubeletConfigObject(ctx.cfg, ctx.minor, host) as Json,
  );
  if (instanceConfig !== undefined) {
    const f = parsePatchFile(
      "instance-config.yaml",
      "instance-config.yaml",
      "kubeletconfiguration",
      "strategic",
      instanceConfig,
    );
    for (const doc of f.documents) obj = applyPatchDocument("strategic", "kubeletconfiguration", obj, doc);
    ctx.log.info(appliedPatchLine("strategic", "kubeletconfiguration"));
  }
  return toKubeYaml(obj);
}
