/**
 * The REST half of the test API server: request attributes (k8s.io/apiserver RequestInfoFactory) and
 * GET/LIST/POST/PUT/PATCH/DELETE on the resource table with kube-apiserver's answers. Handlers are
 * synchronous so a check-then-write cannot interleave with another request.
 */
import type { Attributes, UserInfo } from "./apiserver_auth.ts";
import { applyJsonPatch, mergePatch, PatchFailure, strategicMergePatch } from "./apiserver_patch.ts";
import { remove } from "./apiserver_delete.ts";
import { defaultPod, initialPodStatus } from "./apiserver_pods.ts";
import { matchesLabelSelector, parseFieldSelector } from "./apiserver_select.ts";
import type { ObjectStore } from "./apiserver_store.ts";
import {
  ApiError,
  apiVersionOf,
  errors,
  fieldErr,
  findResource,
  type KubeObject,
  type ResourceInfo,
  statusBody,
} from "./apiserver_types.ts";
import { bytesFieldError, validate } from "./apiserver_validate.ts";

export { matchesLabelSelector };

export interface Reply {
  readonly code: number;
  readonly body: KubeObject | string;
}

/** What the URL names: k8s.io/apiserver/pkg/endpoints/request.RequestInfo. */
export interface RequestInfo extends Attributes {
  /** "" for the core group; undefined for non-resource paths. */
  readonly version: string;
}

const VERB_OF: Readonly<Record<string, string>> = {
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
  GET: "get",
  HEAD: "get",
};

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource: RequestInfo = {
    verb: method.toLowerCase(),
    resourceRequest: false,
    path,
    group: "",
    version: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
  };
  // Go's net/http hands kube-apiserver the decoded path: "kubeadm%3Anodes" names "kubeadm:nodes".
  const segs = path.split("/").filter((s) => s !== "").map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  let rest: string[];
  let group = "", version: string;
  if (segs[0] === "api" && segs.length >= 3) [version, rest] = [segs[1]!, segs.slice(2)];
  else if (segs[0] === "apis" && segs.length >= 4) {
    [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
  } else return nonResource;
  let namespace = "";
  if (rest[0] === "namespaces" && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !["status", "finalize"].includes(rest[2]!)) rest = rest.slice(2);
  }
  const [resource = "", name = "", subresource = ""] = rest;
  let verb = VERB_OF[method] ?? method.toLowerCase();
  if (verb === "get" && name === "") verb = query.get("watch") === "true" ? "watch" : "list";
  if (verb === "delete" && name === "") verb = "deletecollection";
  return { verb, resourceRequest: true, path, group, version, resource, subresource, namespace, name };
}

// ---------------------------------------------------------------- handlers

const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

function parseJson(ri: ResourceInfo, text: string): KubeObject {
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
    return v;
  } catch (e) {
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${ri.kind}): couldn't get version/kind; json parse error: ${
        (e as Error).message
      }`,
    );
  }
}

/** Decoding as the codec does: kind/apiVersion must fit; []byte fields must be base64. */
function decodeBody(ri: ResourceInfo, text: string): KubeObject {
  const obj = parseJson(ri, text);
  const kind = obj.kind ?? ri.kind, av = obj.apiVersion ?? apiVersionOf(ri);
  const gv = String(av).includes("/") ? String(av).split("/")[1] : String(av);
  if (kind !== ri.kind || av !== apiVersionOf(ri)) {
    throw errors.badRequest(
      `${kind} in version "${gv}" cannot be handled as a ${ri.kind}: no kind "${kind}" is registered for version "${av}"`,
    );
  }
  for (const f of ["data", "binaryData"] as const) {
    if (f === "data" ? ri.kind !== "Secret" : ri.kind !== "ConfigMap") continue;
    const err = bytesFieldError(obj, f);
    if (err) {
      throw errors.badRequest(`${ri.kind} in version "${gv}" cannot be handled as a ${ri.kind}: ${err}`);
    }
  }
  return obj;
}

function normalize(ri: ResourceInfo, obj: KubeObject): KubeObject {
  if (ri.kind === "Secret") {
    if (obj.stringData && typeof obj.stringData === "object") {
      const data = { ...(obj.data ?? {}) };
      for (const [k, v] of Object.entries(obj.stringData)) {
        data[k] = btoa(String.fromCharCode(...new TextEncoder().encode(String(v))));
      }
      obj.data = data;
    }
    delete obj.stringData;
    obj.type ??= "Opaque";
  }
  if (ri.kind === "Service") {
    obj.spec ??= {};
    obj.spec.type ??= "ClusterIP";
    if (obj.spec.clusterIP) obj.spec.clusterIPs ??= [obj.spec.clusterIP];
  }
  if (ri.kind === "Pod") defaultPod(obj);
  if (ri.kind === "Namespace") {
    obj.spec ??= { finalizers: ["kubernetes"] };
    obj.status = { phase: "Active" };
  }
  if (ri.kind === "RoleBinding" || ri.kind === "ClusterRoleBinding") {
    // rbac/v1 defaulting (SetDefaults_Subject, SetDefaults_*RoleBinding), as kube-apiserver applies it
    // before validation: kubeadm sends User/Group subjects without an apiGroup.
    if (obj.roleRef && typeof obj.roleRef === "object" && !obj.roleRef.apiGroup) {
      obj.roleRef.apiGroup = "rbac.authorization.k8s.io";
    }
    for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
      if (s && typeof s === "object" && !s.apiGroup && (s.kind === "User" || s.kind === "Group")) {
        s.apiGroup = "rbac.authorization.k8s.io";
      }
    }
  }
  return obj;
}

function invalidIfAny(ri: ResourceInfo, obj: KubeObject, old?: KubeObject): void {
  const errs = validate(ri, obj, old);
  if (errs.length > 0) throw errors.invalid(ri, String(obj.metadata?.name ?? ""), errs);
}

function requireNamespace(store: ObjectStore, ri: ResourceInfo, namespace: string): void {
  if (!ri.namespaced) return;
  const nsRi = findResource("", "v1", "namespaces")!;
  if (!store.get(nsRi, "", namespace)) throw errors.notFound(nsRi, namespace);
}

const KEEP_STATUS = new Set([
  "Node",
  "Pod",
  "Deployment",
  "DaemonSet",
  "Service",
  "Namespace",
  "CertificateSigningRequest",
]);

function create(store: ObjectStore, ri: ResourceInfo, info: RequestInfo, text: string): Reply {
  const obj = normalize(ri, decodeBody(ri, text));
  obj.metadata = { ...(obj.metadata ?? {}) };
  const meta = obj.metadata;
  if (ri.namespaced) {
    if (meta.namespace && meta.namespace !== info.namespace) {
      throw errors.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.namespace = info.namespace;
  } else delete meta.namespace;
  if (!meta.name && meta.generateName) {
    const abc = "bcdfghjklmnpqrstvwxz2456789";
    meta.name = meta.generateName +
      Array.from({ length: 5 }, () => abc[Math.floor(Math.random() * abc.length)]).join("");
  }
  for (const k of ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"]) {
    delete meta[k];
  }
  requireNamespace(store, ri, info.namespace);
  invalidIfAny(ri, obj);
  if (store.get(ri, info.namespace, meta.name)) throw errors.alreadyExists(ri, meta.name);
  if (ri.kind === "Deployment" || ri.kind === "DaemonSet") delete obj.status;
  if (ri.kind === "Pod") obj.status = initialPodStatus();
  return { code: 201, body: store.create(ri, obj) };
}

/** The shared tail of PUT and PATCH: preconditions, validation, store. */
function update(
  store: ObjectStore,
  ri: ResourceInfo,
  info: RequestInfo,
  old: KubeObject,
  obj: KubeObject,
): Reply {
  obj.metadata = { ...(obj.metadata ?? {}) };
  const meta = obj.metadata;
  if (meta.name !== info.name) {
    throw errors.badRequest(
      `the name of the object (${meta.name ?? ""}) does not match the name on the URL (${info.name})`,
    );
  }
  if (ri.namespaced && meta.namespace && meta.namespace !== info.namespace) {
    throw errors.badRequest(
      `the namespace of the object (${meta.namespace}) does not match the namespace on the request (${info.namespace})`,
    );
  }
  if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) {
    throw errors.conflict(ri, info.name);
  }
  if (meta.uid && meta.uid !== old.metadata.uid) {
    throw new ApiError(409, errors.conflict(ri, info.name).status);
  }
  normalize(ri, obj);
  // BeforeUpdate: deletion marks are the server's.
  for (const k of ["deletionTimestamp", "deletionGracePeriodSeconds"]) {
    if (old.metadata[k] === undefined) delete meta[k];
    else meta[k] = old.metadata[k];
  }
  if (KEEP_STATUS.has(ri.kind)) {
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  }
  invalidIfAny(ri, obj, old);
  return { code: 200, body: store.update(ri, old, obj) };
}

function patch(
  store: ObjectStore,
  ri: ResourceInfo,
  info: RequestInfo,
  text: string,
  contentType: string,
): Reply {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (!PATCH_TYPES.includes(type)) throw errors.unsupportedMediaType(PATCH_TYPES);
  if (type === "application/apply-patch+yaml") {
    throw errors.internal("the test API server does not implement server-side apply");
  }
  const old = store.get(ri, info.namespace, info.name);
  if (!old) throw errors.notFound(ri, info.name);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  let patched: unknown;
  try {
    patched = type === "application/json-patch+json"
      ? applyJsonPatch(old, body)
      : type === "application/merge-patch+json"
      ? mergePatch(old, body)
      : strategicMergePatch(ri.kind, old, body);
  } catch (e) {
    if (e instanceof PatchFailure) {
      throw e.malformed
        ? errors.badRequest(e.message)
        : new ApiError(422, statusBody(422, "Invalid", e.message));
    }
    throw e;
  }
  if (patched === null || typeof patched !== "object" || Array.isArray(patched)) {
    throw errors.badRequest("the patch did not produce an object");
  }
  const obj = patched as KubeObject;
  const decodeErr = ri.kind === "Secret" ? bytesFieldError(obj, "data") : undefined;
  if (decodeErr) {
    throw errors.invalid({ group: "", kind: "" }, "", [
      fieldErr.invalid("patch", JSON.stringify(obj), decodeErr),
    ]);
  }
  return update(store, ri, info, old, obj);
}

function list(store: ObjectStore, ri: ResourceInfo, info: RequestInfo, query: URLSearchParams): Reply {
  const labelSel = query.get("labelSelector") ?? "";
  const fieldMatch = parseFieldSelector(ri, query.get("fieldSelector") ?? "");
  const items = store.list(ri, info.namespace).filter((o) =>
    matchesLabelSelector(o.metadata?.labels ?? {}, labelSel) && fieldMatch(o)
  ).map((o) => {
    delete o.apiVersion;
    delete o.kind;
    return o;
  });
  return {
    code: 200,
    body: {
      kind: `${ri.kind}List`,
      apiVersion: apiVersionOf(ri),
      metadata: { resourceVersion: store.resourceVersion },
      items,
    },
  };
}

/** Serves a resource request that authorization already allowed. */
export function serveResource(
  store: ObjectStore,
  info: RequestInfo,
  method: string,
  query: URLSearchParams,
  text: string,
  contentType: string,
  user: UserInfo,
): Reply {
  if (
    info.group === "authentication.k8s.io" && info.version === "v1" && info.resource === "selfsubjectreviews"
  ) {
    if (method !== "POST") throw errors.noRoute();
    return {
      code: 201,
      body: {
        kind: "SelfSubjectReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: user.name, groups: [...user.groups] } },
      },
    };
  }
  const ri = findResource(info.group, info.version, info.resource);
  if (!ri) throw errors.noRoute();
  // Cluster-scoped kinds have no route under /namespaces/<ns>/ (namespaces themselves are parsed apart).
  const nsInUrl = info.path.includes("/namespaces/") && ri.kind !== "Namespace";
  if (!ri.namespaced && nsInUrl) throw errors.noRoute();
  if (info.subresource !== "") throw errors.noRoute();
  const ns = ri.namespaced ? info.namespace : "";
  const scoped = { ...info, namespace: ns };
  switch (info.verb) {
    case "get": {
      const o = store.get(ri, ns, info.name);
      if (!o) throw errors.notFound(ri, info.name);
      return { code: 200, body: o };
    }
    case "list":
      return list(store, ri, scoped, query);
    case "watch":
      throw errors.methodNotSupported(ri, "watch");
    case "create":
      if (info.name !== "" || (ri.namespaced && ns === "")) throw errors.noRoute();
      return create(store, ri, scoped, text);
    case "update": {
      const obj = normalize(ri, decodeBody(ri, text));
      const old = store.get(ri, ns, info.name);
      if (!old) throw errors.notFound(ri, info.name);
      return update(store, ri, scoped, old, obj);
    }
    case "patch":
      return patch(store, ri, scoped, text, contentType);
    case "delete":
      return remove(store, ri, scoped, text, query);
    default:
      throw errors.methodNotSupported(ri, info.verb);
  }
}
