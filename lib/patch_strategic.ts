/**
 * Strategic merge patch (k8s.io/apimachinery strategicpatch) for the kinds kadm patches: Pods (static
 * Pod manifests), the CoreDNS Deployment and KubeletConfiguration. The list merge keys come from the
 * `patchStrategy:"merge" patchMergeKey:"..."` tags of the Go types; every other list is replaced.
 * Directives: `$patch: replace|delete|merge` (in maps and as list elements), `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted and ignored.
 */
import { deepEqual, isObj, type Json, PatchError } from "./patch_json.ts";

type Obj = { [k: string]: Json };

/** Where the Go type of a field says how lists merge. Fields without an entry merge as maps / replace as lists. */
export interface MergeSchema {
  readonly fields?: Readonly<Record<string, MergeSchema>>;
  /** A list of objects merged element by element on this key. */
  readonly mergeKey?: string;
  /** A list of scalars merged as a set (metadata.finalizers). */
  readonly primitiveSet?: boolean;
}

const CONTAINER: MergeSchema = {
  fields: {
    env: { mergeKey: "name" },
    ports: { mergeKey: "containerPort" },
    volumeMounts: { mergeKey: "mountPath" },
    volumeDevices: { mergeKey: "devicePath" },
  },
};

const OBJECT_META: MergeSchema = {
  fields: { finalizers: { primitiveSet: true }, ownerReferences: { mergeKey: "uid" } },
};

const POD_SPEC: MergeSchema = {
  fields: {
    containers: { mergeKey: "name", fields: CONTAINER.fields },
    initContainers: { mergeKey: "name", fields: CONTAINER.fields },
    ephemeralContainers: { mergeKey: "name", fields: CONTAINER.fields },
    volumes: { mergeKey: "name" },
    imagePullSecrets: { mergeKey: "name" },
    hostAliases: { mergeKey: "ip" },
    topologySpreadConstraints: { mergeKey: "topologyKey" },
    resourceClaims: { mergeKey: "name" },
    schedulingGates: { mergeKey: "name" },
  },
};

/** v1.Pod */
export const POD_SCHEMA: MergeSchema = { fields: { metadata: OBJECT_META, spec: POD_SPEC } };
/** apps/v1.Deployment */
export const DEPLOYMENT_SCHEMA: MergeSchema = {
  fields: { metadata: OBJECT_META, spec: { fields: { template: POD_SCHEMA } } },
};
/** kubelet.config.k8s.io/v1beta1.KubeletConfiguration: no merge tags, every list is replaced. */
export const PLAIN_SCHEMA: MergeSchema = {};

const PATCH = "$patch";
const RETAIN = "$retainKeys";
const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

function sub(schema: MergeSchema | undefined, key: string): MergeSchema | undefined {
  return schema?.fields?.[key];
}

/** Applies a strategic merge patch (a map) to `original`. `null` as patch changes nothing. */
export function strategicMergePatch(original: Json, patch: Json, schema: MergeSchema): Json {
  if (patch === null) return original;
  if (!isObj(patch)) throw new PatchError("a strategic merge patch must be a map");
  const merged = mergeMap(isObj(original) ? original : {}, patch, schema);
  return merged === DELETED ? {} : merged;
}

const DELETED = Symbol("deleted");

function directive(patch: Obj): string | undefined {
  const d = patch[PATCH];
  if (d === undefined) return undefined;
  if (d !== "replace" && d !== "delete" && d !== "merge") {
    throw new PatchError(`unknown $patch directive ${JSON.stringify(d)} (must be replace, delete or merge)`);
  }
  return d;
}

/** A patch value written where the original has nothing: its directives are resolved against empty. */
function fresh(patch: Json, schema: MergeSchema | undefined): Json | typeof DELETED {
  if (isObj(patch)) return mergeMap({}, patch, schema);
  if (Array.isArray(patch)) {
    const out: Json[] = [];
    for (const e of patch) {
      const v = isObj(e) ? (directive(e) === "replace" ? DELETED : mergeMap({}, e, schema)) : e;
      if (v !== DELETED) out.push(v);
    }
    return out;
  }
  return patch;
}

function mergeMap(original: Obj, patch: Obj, schema: MergeSchema | undefined): Obj | typeof DELETED {
  const d = directive(patch);
  if (d === "delete") return DELETED;
  if (d === "replace") {
    const out: Obj = {};
    for (const [k, v] of Object.entries(patch)) if (k !== PATCH && v !== null) out[k] = v;
    return out;
  }
  const out: Obj = { ...original };
  for (const [k, v] of Object.entries(patch)) {
    if (k === PATCH || k === RETAIN || k.startsWith(SET_ORDER)) continue;
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      const cur = out[field];
      if (Array.isArray(v) && Array.isArray(cur)) {
        out[field] = cur.filter((x) => !v.some((y) => deepEqual(x, y)));
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const s = sub(schema, k);
    const cur = out[k];
    let next: Json | typeof DELETED;
    if (cur === undefined || cur === null) next = fresh(v, s);
    else if (isObj(cur) && isObj(v)) next = mergeMap(cur, v, s);
    else if (Array.isArray(cur) && Array.isArray(v)) next = mergeList(cur, v, s);
    else next = fresh(v, s);
    if (next === DELETED) delete out[k];
    else out[k] = next;
  }
  const retain = patch[RETAIN];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(original: Json[], patch: Json[], schema: MergeSchema | undefined): Json[] {
  if (schema?.primitiveSet) {
    const out = [...original];
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(v);
    return out;
  }
  const key = schema?.mergeKey;
  if (key === undefined) {
    // Atomic list: the patch replaces it (a `$patch: replace` element is just dropped).
    return patch.filter((e) => !(isObj(e) && e[PATCH] !== undefined));
  }
  const replaceAll = patch.some((e) => isObj(e) && directive(e) === "replace");
  let out: Json[] = replaceAll ? [] : [...original];
  for (const e of patch) {
    if (!isObj(e)) {
      throw new PatchError(`list element ${JSON.stringify(e)} is not a map with the merge key "${key}"`);
    }
    const d = directive(e);
    if (d === "replace") continue;
    if (!(key in e)) {
      throw new PatchError(`map ${JSON.stringify(e)} does not contain declared merge key: ${key}`);
    }
    const i = out.findIndex((o) => isObj(o) && deepEqual(o[key], e[key]));
    if (d === "delete") {
      out = out.filter((o) => !(isObj(o) && deepEqual(o[key], e[key])));
      continue;
    }
    if (i >= 0) {
      const merged = mergeMap(out[i] as Obj, e, schema);
      if (merged === DELETED) out.splice(i, 1);
      else out[i] = merged;
    } else {
      const added = mergeMap({}, e, schema);
      if (added !== DELETED) out.push(added);
    }
  }
  return out;
}
