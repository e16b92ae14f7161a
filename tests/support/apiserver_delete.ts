/**
 * DELETE in the test API server, as the generic registry store does it: DeleteOptions from the body or
 * ?gracePeriodSeconds=, uid/resourceVersion preconditions (409 Conflict), Pods deleted gracefully (marked
 * with deletionTimestamp while scheduled; the Pod is the answer), a Namespace taking its objects along,
 * and otherwise a Success Status naming what went. No cascading to dependents: that is the garbage
 * collector's (the simulated node removes the Pods of a deleted DaemonSet).
 */
import { podGracePeriod } from "./apiserver_pods.ts";
import type { Reply, RequestInfo } from "./apiserver_rest.ts";
import type { ObjectStore } from "./apiserver_store.ts";
import {
  ApiError,
  errors,
  type KubeObject,
  type ResourceInfo,
  RESOURCES,
  statusBody,
} from "./apiserver_types.ts";

/** DeleteOptions from the body (if any) and ?gracePeriodSeconds=; 400 on a body that is not JSON. */
function deleteOptions(text: string, query: URLSearchParams): KubeObject {
  let opts: KubeObject = {};
  if (text.trim() !== "") {
    try {
      opts = JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`error decoding DeleteOptions: ${(e as Error).message}`);
    }
    if (opts === null || typeof opts !== "object") opts = {};
  }
  const q = query.get("gracePeriodSeconds");
  if (q !== null && q !== "") opts = { ...opts, gracePeriodSeconds: Number(q) };
  return opts;
}

export function remove(
  store: ObjectStore,
  ri: ResourceInfo,
  info: RequestInfo,
  text: string,
  query: URLSearchParams,
): Reply {
  const cur = store.get(ri, info.namespace, info.name);
  if (!cur) throw errors.notFound(ri, info.name);
  const opts = deleteOptions(text, query);
  const pre = opts.preconditions ?? {};
  for (const [k, label] of [["uid", "UID"], ["resourceVersion", "ResourceVersion"]] as const) {
    if (pre[k] !== undefined && pre[k] !== cur.metadata[k]) {
      const msg =
        `Operation cannot be fulfilled on ${ri.group ? `${ri.resource}.${ri.group}` : ri.resource} ` +
        `"${info.name}": Precondition failed: ${label} in precondition: ${pre[k]}, ${label} in object meta: ${
          cur.metadata[k]
        }`;
      throw new ApiError(
        409,
        statusBody(409, "Conflict", msg, { name: info.name, group: ri.group, kind: ri.resource }),
      );
    }
  }
  if (ri.kind === "Pod") {
    const requested = typeof opts.gracePeriodSeconds === "number" ? opts.gracePeriodSeconds : undefined;
    const grace = podGracePeriod(cur, requested);
    const prev = cur.metadata.deletionGracePeriodSeconds;
    if (grace > 0) {
      // Graceful: only marked; the kubelet on the node removes it. A second DELETE can only shorten it.
      if (prev !== undefined && prev <= grace) return { code: 200, body: cur };
      const marked = structuredClone(cur);
      marked.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(
        /\.\d+Z$/,
        "Z",
      );
      marked.metadata.deletionGracePeriodSeconds = grace;
      return { code: 200, body: store.update(ri, cur, marked) };
    }
    // ReturnDeletedObject: the Pod registry answers with the Pod.
    return { code: 200, body: store.delete(ri, info.namespace, info.name)! };
  }
  const old = store.delete(ri, info.namespace, info.name)!;
  if (ri.kind === "Namespace") {
    for (const other of RESOURCES.filter((x) => x.namespaced)) {
      for (const o of store.list(other, info.name)) store.delete(other, info.name, o.metadata.name);
    }
  }
  const details: KubeObject = { name: info.name };
  if (ri.group) details.group = ri.group;
  details.kind = ri.resource;
  details.uid = old.metadata.uid;
  return { code: 200, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details } };
}
