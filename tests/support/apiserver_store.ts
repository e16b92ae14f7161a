/**
 * The in-memory object store of the test API server: one map per resource, keyed by namespace and
 * name, with a global resourceVersion counter (returned as a string, as etcd's revision is), uid and
 * creationTimestamp stamped on create. No validation here: the REST layer decides what gets in.
 */
import {
  apiVersionOf,
  type KubeObject,
  resourceForObject,
  type ResourceInfo,
  RESOURCES,
} from "./apiserver_types.ts";

const keyOf = (ri: ResourceInfo, namespace: string, name: string) =>
  `${ri.group}/${ri.resource}/${ri.namespaced ? namespace : ""}/${name}`;

/** Kinds whose registry strategy sets metadata.generation to 1 on create and bumps it on a spec change. */
const GENERATION_KINDS: ReadonlySet<string> = new Set(["Deployment", "DaemonSet"]);

export class ObjectStore {
  #objects = new Map<string, KubeObject>();
  #rv = 1;
  /** Called after every write, with the stored object (after a delete: the last version). */
  onChange: (ri: ResourceInfo, obj: KubeObject, deleted: boolean) => void = () => {};

  get resourceVersion(): string {
    return String(this.#rv);
  }

  get(ri: ResourceInfo, namespace: string, name: string): KubeObject | undefined {
    const o = this.#objects.get(keyOf(ri, namespace, name));
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Objects of a resource, in one namespace or all ("" = all), sorted by namespace then name. */
  list(ri: ResourceInfo, namespace = ""): KubeObject[] {
    const prefix = `${ri.group}/${ri.resource}/`;
    const out: KubeObject[] = [];
    for (const [k, v] of this.#objects) {
      if (!k.startsWith(prefix)) continue;
      if (ri.namespaced && namespace !== "" && v.metadata?.namespace !== namespace) continue;
      out.push(structuredClone(v));
    }
    const key = (o: KubeObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
    return out.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  }

  /** Stores a new object: stamps uid, creationTimestamp, resourceVersion, generation, apiVersion and kind. */
  create(ri: ResourceInfo, obj: KubeObject, now = new Date()): KubeObject {
    const meta = { ...(obj.metadata ?? {}) };
    meta.uid = crypto.randomUUID();
    meta.resourceVersion = String(++this.#rv);
    meta.creationTimestamp = now.toISOString().replace(/\.\d+Z$/, "Z");
    if (!ri.namespaced) delete meta.namespace;
    if (GENERATION_KINDS.has(ri.kind)) meta.generation ??= 1;
    const stored = { apiVersion: apiVersionOf(ri), kind: ri.kind, ...obj, metadata: meta };
    stored.apiVersion = apiVersionOf(ri);
    stored.kind = ri.kind;
    this.#objects.set(keyOf(ri, meta.namespace ?? "", meta.name), stored);
    this.onChange(ri, stored, false);
    return structuredClone(stored);
  }

  /** Replaces a stored object, keeping uid and creationTimestamp, with a new resourceVersion. */
  update(ri: ResourceInfo, old: KubeObject, obj: KubeObject): KubeObject {
    const meta = { ...(obj.metadata ?? {}) };
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.name = old.metadata.name;
    if (ri.namespaced) meta.namespace = old.metadata.namespace;
    else delete meta.namespace;
    // metadata.generation is the server's: kept, and bumped where the kind's strategy bumps it on a spec change.
    if (GENERATION_KINDS.has(ri.kind)) {
      const changed = JSON.stringify(old.spec) !== JSON.stringify(obj.spec);
      meta.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
    } else if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    meta.resourceVersion = String(++this.#rv);
    const stored = { ...obj, apiVersion: apiVersionOf(ri), kind: ri.kind, metadata: meta };
    this.#objects.set(keyOf(ri, meta.namespace ?? "", meta.name), stored);
    this.onChange(ri, stored, false);
    return structuredClone(stored);
  }

  delete(ri: ResourceInfo, namespace: string, name: string): KubeObject | undefined {
    const k = keyOf(ri, namespace, name);
    const old = this.#objects.get(k);
    if (!old) return undefined;
    this.#objects.delete(k);
    this.#rv++;
    this.onChange(ri, old, true);
    return structuredClone(old);
  }

  /** Stores `obj` (apiVersion/kind pick the resource), creating or replacing it; for seeding. */
  seed(obj: KubeObject): KubeObject {
    const ri = resourceForObject(obj);
    if (!ri) throw new Error(`test API server: no resource serves ${obj.apiVersion} ${obj.kind}`);
    const old = this.get(ri, obj.metadata?.namespace ?? "", obj.metadata?.name);
    return old ? this.update(ri, old, obj) : this.create(ri, obj);
  }

  /** Every stored object, for assertions. */
  all(): KubeObject[] {
    return RESOURCES.flatMap((ri) => this.list(ri));
  }
}
