/**
 * The three PATCH formats kube-apiserver accepts for built-in kinds, written independently of
 * lib/ (a shared bug would hide itself): RFC 7386 JSON merge patch, RFC 6902 JSON patch and strategic
 * merge patch. Strategic merge knows the patch merge keys of the fields kadm's kinds carry; every other
 * list is replaced whole — in particular a Node's spec.taints (no patchStrategy on the Go field).
 */
import type { KubeObject } from "./apiserver_types.ts";

type Json = unknown;

const isMap = (v: unknown): v is KubeObject => v !== null && typeof v === "object" && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  const out: KubeObject = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------- strategic merge

/** Per-field list behaviour: merge on a key, merge as a set of scalars; nested fields. */
interface Schema {
  readonly fields?: Readonly<Record<string, Schema>>;
  readonly mergeKey?: string;
  readonly set?: boolean;
}

const CONTAINER: Schema = {
  fields: {
    env: { mergeKey: "name" },
    ports: { mergeKey: "containerPort" },
    volumeMounts: { mergeKey: "mountPath" },
  },
};
const POD_TEMPLATE: Schema = {
  fields: {
    metadata: { fields: { ownerReferences: { mergeKey: "uid" }, finalizers: { set: true } } },
    spec: {
      fields: {
        containers: { mergeKey: "name", fields: CONTAINER.fields },
        initContainers: { mergeKey: "name", fields: CONTAINER.fields },
        volumes: { mergeKey: "name" },
        imagePullSecrets: { mergeKey: "name" },
      },
    },
  },
};
const META: Schema = { fields: { ownerReferences: { mergeKey: "uid" }, finalizers: { set: true } } };

/** Strategic-merge schemas by kind; kinds not listed merge maps and replace lists. */
const SCHEMAS: Readonly<Record<string, Schema>> = {
  Node: {
    fields: {
      metadata: META,
      // spec.taints: no patch strategy in k8s.io/api/core/v1 NodeSpec, so the list is replaced.
      status: {
        fields: {
          conditions: { mergeKey: "type" },
          addresses: { mergeKey: "type" },
        },
      },
    },
  },
  Deployment: { fields: { metadata: META, spec: { fields: { template: POD_TEMPLATE } } } },
  DaemonSet: { fields: { metadata: META, spec: { fields: { template: POD_TEMPLATE } } } },
  Pod: { fields: { metadata: META, spec: POD_TEMPLATE.fields!.spec! } },
  Service: { fields: { metadata: META, spec: { fields: { ports: { mergeKey: "port" } } } } },
};

export function strategicMergePatch(kind: string, target: Json, patch: Json): Json {
  return smpMap(target, patch, SCHEMAS[kind] ?? { fields: { metadata: META } });
}

function smpMap(target: Json, patch: Json, schema: Schema): Json {
  if (!isMap(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const rest = { ...patch };
    delete rest.$patch;
    return structuredClone(rest);
  }
  if (patch.$patch === "delete") return undefined;
  const out: KubeObject = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$setElementOrder/") || k === "$retainKeys" || k === "$patch") continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const f = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[f]) && Array.isArray(v)) out[f] = out[f].filter((x: Json) => !v.includes(x));
      continue;
    }
    const sub = schema.fields?.[k] ?? {};
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = smpList(out[k], v, sub);
    else if (isMap(v)) {
      const merged = smpMap(out[k], v, sub);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  return out;
}

function smpList(target: Json, patch: Json[], schema: Schema): Json {
  const cur = Array.isArray(target) ? target : [];
  if (schema.set) return [...cur, ...patch.filter((x) => !cur.includes(x))];
  const key = schema.mergeKey;
  if (!key) return structuredClone(patch.filter((x) => !(isMap(x) && x.$patch)));
  if (patch.some((x) => isMap(x) && x.$patch === "replace")) {
    return structuredClone(patch.filter((x) => !(isMap(x) && x.$patch)));
  }
  const out = [...cur];
  for (const item of patch) {
    if (!isMap(item)) continue;
    const i = out.findIndex((x) => isMap(x) && x[key] === item[key]);
    if (item.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = smpMap(out[i], item, schema);
    else out.push(smpMap({}, item, schema));
  }
  return out;
}

// ---------------------------------------------------------------- JSON patch (RFC 6902)

/** Thrown when a JSON patch is malformed (400) or does not apply (422). */
export class PatchFailure extends Error {
  constructor(message: string, readonly malformed: boolean) {
    super(message);
  }
}

function pointer(p: unknown): string[] {
  if (typeof p !== "string" || (p !== "" && !p.startsWith("/"))) {
    throw new PatchFailure(`invalid JSON pointer ${JSON.stringify(p)}`, true);
  }
  return p === "" ? [] : p.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: Json, path: string[]): { parent: KubeObject | Json[]; key: string } {
  let cur: Json = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isMap(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined) throw new PatchFailure(`doc is missing path: "/${path.join("/")}"`, false);
  }
  if (!isMap(cur) && !Array.isArray(cur)) {
    throw new PatchFailure(`doc is missing path: "/${path.join("/")}"`, false);
  }
  return { parent: cur, key: path[path.length - 1]! };
}

function getAt(doc: Json, path: string[]): Json {
  if (path.length === 0) return doc;
  const { parent, key } = parentOf(doc, path);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw new PatchFailure(`doc is missing key: "/${path.join("/")}"`, false);
  return v;
}

function removeAt(doc: Json, path: string[]): Json {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) {
      throw new PatchFailure(`Unable to remove nonexistent key: ${key}`, false);
    }
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) {
    throw new PatchFailure(`Unable to remove nonexistent key: ${key}: missing value`, false);
  }
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: Json, path: string[], value: Json, replace: boolean): Json {
  if (path.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!(Number.isInteger(i) && i >= 0 && i <= parent.length - (replace ? 1 : 0))) {
      throw new PatchFailure(`Unable to access invalid index: ${key}`, false);
    }
    if (replace) parent[i] = structuredClone(value);
    else parent.splice(i, 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) {
      throw new PatchFailure(`replace operation does not apply: doc is missing key`, false);
    }
    parent[key] = structuredClone(value);
  }
  return doc;
}

export function applyJsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) {
    throw new PatchFailure("json: cannot unmarshal object into Go value of type jsonpatch.Patch", true);
  }
  let out = structuredClone(doc);
  for (const op of ops) {
    if (!isMap(op)) throw new PatchFailure("invalid JSON patch operation", true);
    const path = pointer(op.path);
    switch (op.op) {
      case "add":
        out = addAt(out, path, op.value, false);
        break;
      case "replace":
        out = addAt(out, path, op.value, true);
        break;
      case "remove":
        removeAt(out, path);
        break;
      case "move": {
        const v = removeAt(out, pointer(op.from));
        out = addAt(out, path, v, false);
        break;
      }
      case "copy":
        out = addAt(out, path, getAt(out, pointer(op.from)), false);
        break;
      case "test":
        if (JSON.stringify(getAt(out, path)) !== JSON.stringify(op.value)) {
          throw new PatchFailure("testing value /" + path.join("/") + " failed: test failed", false);
        }
        break;
      default:
        throw new PatchFailure(`Unexpected kind: ${String(op.op)}`, true);
    }
  }
  return out;
}
