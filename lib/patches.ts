/**
 * kubeadm's `--patches` folder (cmd/kubeadm/app/util/patches): files named
 * `target[suffix][+patchtype].{json,yaml}`, read in the order filepath.Walk visits them (names sorted
 * byte-wise, sub-folders entered where they sort), each holding one or more YAML/JSON documents that
 * are applied in order to the target. Pure: the caller lists the folder and reads the files.
 */
import YAML from "yaml";
import { UserError } from "./errors.ts";
import { applyJsonPatch, decodeJsonPatch, isObj, type Json, mergePatch, PatchError } from "./patch_json.ts";
import {
  DEPLOYMENT_SCHEMA,
  type MergeSchema,
  PLAIN_SCHEMA,
  POD_SCHEMA,
  strategicMergePatch,
} from "./patch_strategic.ts";

export type { Json } from "./patch_json.ts";

/** The patch types and the media type names kubeadm prints for them. */
export const PATCH_MEDIA_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
} as const;
export type PatchType = keyof typeof PATCH_MEDIA_TYPES;
const PATCH_TYPE_LIST: readonly PatchType[] = ["json", "merge", "strategic"];

export type PatchTargetName =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubeletconfiguration"
  | "corednsdeployment";

/**
 * kubeadm's KnownTargets, in its order, with the first minor that knows each target and the Go type
 * its strategic merge uses. kubeletconfiguration: v1.25 (kubernetes#110405); corednsdeployment: v1.31
 * (kubernetes#124820). The four static Pods came with the patches feature itself (v1.19).
 */
export const PATCH_TARGETS: readonly {
  readonly name: PatchTargetName;
  readonly sinceMinor: number;
  readonly schema: MergeSchema;
}[] = [
  { name: "etcd", sinceMinor: 19, schema: POD_SCHEMA },
  { name: "kube-apiserver", sinceMinor: 19, schema: POD_SCHEMA },
  { name: "kube-controller-manager", sinceMinor: 19, schema: POD_SCHEMA },
  { name: "kube-scheduler", sinceMinor: 19, schema: POD_SCHEMA },
  { name: "kubeletconfiguration", sinceMinor: 25, schema: PLAIN_SCHEMA },
  { name: "corednsdeployment", sinceMinor: 31, schema: DEPLOYMENT_SCHEMA },
];

/** The targets kubeadm of `minor` knows; files for other targets are ignored with a warning line. */
export function knownPatchTargets(minor: number): PatchTargetName[] {
  return PATCH_TARGETS.filter((t) => minor >= t.sinceMinor).map((t) => t.name);
}

/** One patch file: its target, its type and its documents (parsed, validated for the type). */
export interface PatchFile {
  /** The file's base name, as kubeadm prints it. */
  readonly name: string;
  /** Path to show in errors (folder + relative path). */
  readonly path: string;
  readonly target: PatchTargetName;
  readonly type: PatchType;
  readonly documents: readonly Json[];
}

export type PatchEntry =
  | { readonly kind: "patch"; readonly file: PatchFile }
  | { readonly kind: "ignored"; readonly name: string; readonly line: string };

/** The loaded folder: every file in walk order, patch or ignored. */
export interface PatchSets {
  readonly dir: string;
  readonly targets: readonly PatchTargetName[];
  readonly entries: readonly PatchEntry[];
}

const goList = (xs: readonly string[]) => `[${xs.join(" ")}]`;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * kubeadm's parseFilename: `{ ignore }` (a warning) for a wrong extension or an unknown target, a
 * UserError for a `+` without a known patch type.
 */
export function parsePatchFileName(
  name: string,
  targets: readonly string[],
  dir = "",
): { target: PatchTargetName; type: PatchType } | { ignore: string } {
  if (!/^.+\.(json|yaml)$/.test(name)) return { ignore: "the file extension must be one of [json yaml]" };
  const re = new RegExp(
    `^(${targets.map(escapeRe).join("|")})([^.+\\n]*)?(\\+)?(${PATCH_TYPE_LIST.join("|")})?`,
  );
  const m = re.exec(name);
  if (!m) return { ignore: `unknown target, must be one of ${goList(targets)}` };
  if (m[3] && !m[4]) {
    throw new UserError(
      `Invalid patch file name ${JSON.stringify(name)}${dir ? ` in ${JSON.stringify(dir)}` : ""}: ` +
        `unknown or missing patch type after '+', must be one of ${goList(PATCH_TYPE_LIST)}`,
    );
  }
  return { target: m[1] as PatchTargetName, type: (m[4] as PatchType | undefined) ?? "strategic" };
}

/**
 * Splits a file into documents as apimachinery's YAMLReader does: a line starting with `---` ends a
 * document; only spaces or a comment may follow the dashes. Blank documents are dropped.
 */
export function splitPatchDocuments(text: string): string[] {
  const docs: string[] = [];
  let cur: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith("---")) {
      const rest = line.slice(3).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        throw new PatchError(`invalid YAML document separator: ${rest}`);
      }
      docs.push(cur.join(""));
      cur = [];
      continue;
    }
    cur.push(line);
  }
  docs.push(cur.join(""));
  return docs.map((d) => d.trim()).filter((d) => d !== "");
}

/**
 * YAML 1.1 as go-yaml v2 (sigs.k8s.io/yaml) reads it into JSON: booleans like `yes`/`on` and octal
 * ints resolve, but timestamps and sexagesimal numbers stay strings.
 */
function goYamlTags(tags: YAML.Tags): YAML.Tags {
  return tags.filter((t) =>
    typeof t === "string"
      ? t !== "timestamp" && t !== "intTime" && t !== "floatTime"
      : !t.tag.endsWith(":timestamp") && !("format" in t && t.format === "TIME")
  );
}

/** A plain JSON copy (as kubeadm's YAMLToJSON): undefined fields dropped. */
function toJson(v: unknown): Json {
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === "object") {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  if (v === undefined) return null;
  return v as Json;
}

/** Checks one document against its patch type (the shape only; whether it applies shows at apply time). */
function validateDocument(type: PatchType, doc: Json): void {
  if (type === "json") decodeJsonPatch(doc);
  else if (doc !== null && !isObj(doc)) {
    throw new PatchError(`a ${type} patch must be a map, not ${Array.isArray(doc) ? "a list" : typeof doc}`);
  }
}

/** Parses one patch file's text (YAML or JSON, one or more documents); a UserError names the file. */
export function parsePatchFile(
  path: string,
  name: string,
  target: PatchTargetName,
  type: PatchType,
  text: string,
): PatchFile {
  const bad = (why: string, cause?: unknown) =>
    new UserError(`Invalid patch file ${JSON.stringify(path)}: ${why}`, { cause });
  let sources: string[];
  try {
    sources = splitPatchDocuments(text);
  } catch (e) {
    throw e instanceof PatchError ? bad(e.message, e) : e;
  }
  const documents = sources.map((src, i) => {
    const at = sources.length > 1 ? `document ${i + 1}: ` : "";
    let doc: Json;
    try {
      doc = toJson(YAML.parse(src, { version: "1.1", prettyErrors: false, customTags: goYamlTags }));
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
      throw bad(`${at}could not convert patch to JSON: ${msg}`, e);
    }
    try {
      validateDocument(type, doc);
    } catch (e) {
      throw e instanceof PatchError ? bad(`${at}${e.message}`, e) : e;
    }
    return doc;
  });
  return { name, path, target, type, documents };
}

/** Orders relative paths ("a/b.yaml") as Go's filepath.Walk visits them. */
export function walkOrder(paths: readonly string[]): string[] {
  const cmp = (a: string, b: string) => {
    const x = a.split("/");
    const y = b.split("/");
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    }
    return x.length - y.length;
  };
  return [...paths].sort(cmp);
}

/**
 * Builds the patch sets of a folder from the relative paths of its files (any order) and a reader
 * for their text. Ignored files are never read. Throws a UserError naming the first bad file.
 */
export async function loadPatchSets(
  dir: string,
  files: readonly string[],
  read: (relPath: string) => Promise<string>,
  targets: readonly PatchTargetName[],
): Promise<PatchSets> {
  const entries: PatchEntry[] = [];
  for (const rel of walkOrder(files)) {
    const name = rel.slice(rel.lastIndexOf("/") + 1);
    const parsed = parsePatchFileName(name, targets, dir);
    if ("ignore" in parsed) {
      entries.push({
        kind: "ignored",
        name,
        line: `[patches] Ignoring file ${JSON.stringify(name)}: ${parsed.ignore}`,
      });
      continue;
    }
    const text = await read(rel);
    if (text.length === 0) {
      entries.push({ kind: "ignored", name, line: `[patches] Ignoring empty file: ${JSON.stringify(name)}` });
      continue;
    }
    const path = `${dir.replace(/\/+$/, "")}/${rel}`;
    entries.push({ kind: "patch", file: parsePatchFile(path, name, parsed.target, parsed.type, text) });
  }
  return { dir, targets, entries };
}

/** The lines kubeadm prints when it first reads the folder. */
export function patchLoadLines(sets: PatchSets): string[] {
  const lines = [`[patches] Reading patches from path ${JSON.stringify(sets.dir)}`];
  const found: string[] = [];
  const ignored: string[] = [];
  for (const e of sets.entries) {
    if (e.kind === "ignored") {
      lines.push(e.line);
      ignored.push(e.name);
    } else found.push(e.file.name);
  }
  if (found.length > 0) lines.push(`[patches] Found the following patch files: ${goList(found)}`);
  if (ignored.length > 0) lines.push(`[patches] Ignored the following files: ${goList(ignored)}`);
  return lines;
}

/** The line kubeadm prints after each applied document. */
export function appliedPatchLine(type: PatchType, target: PatchTargetName): string {
  return `[patches] Applied patch of type ${JSON.stringify(PATCH_MEDIA_TYPES[type])} to target ${
    JSON.stringify(target)
  }`;
}

function schemaOf(target: PatchTargetName): MergeSchema {
  return PATCH_TARGETS.find((t) => t.name === target)!.schema;
}

/** Applies one document of one type to a target's object (JSON-shaped); throws PatchError. */
export function applyPatchDocument(type: PatchType, target: PatchTargetName, value: Json, doc: Json): Json {
  switch (type) {
    case "json":
      return applyJsonPatch(value, decodeJsonPatch(doc));
    case "merge":
      return doc === null ? value : mergePatch(value, doc);
    case "strategic":
      return strategicMergePatch(value, doc, schemaOf(target));
  }
}

/**
 * Applies every patch for `target`, file by file and document by document, to a copy of `value`.
 * Returns the result and the `[patches] Applied ...` lines. A patch that does not apply is a
 * UserError naming the file.
 */
export function applyPatchSets(
  sets: PatchSets,
  target: PatchTargetName,
  value: unknown,
): { value: Json; lines: string[] } {
  let cur = toJson(value);
  const lines: string[] = [];
  for (const e of sets.entries) {
    if (e.kind !== "patch" || e.file.target !== target) continue;
    const f = e.file;
    f.documents.forEach((doc, i) => {
      try {
        cur = applyPatchDocument(f.type, target, cur, doc);
      } catch (err) {
        if (!(err instanceof PatchError)) throw err;
        const at = f.documents.length > 1 ? ` (document ${i + 1})` : "";
        throw new UserError(
          `Could not apply the patch of type ${JSON.stringify(PATCH_MEDIA_TYPES[f.type])} in ` +
            `${JSON.stringify(f.path)}${at} to target ${JSON.stringify(target)}: ${err.message}`,
          { cause: err },
        );
      }
      lines.push(appliedPatchLine(f.type, target));
    });
  }
  return { value: cur, lines };
}
