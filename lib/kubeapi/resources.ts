/**
 * The kinds kadm sends to the API server, as data: apiVersion + kind -> group/version, plural and
 * scope, and the REST paths built from them. Cluster-scoped kinds never get `/namespaces/<ns>/`,
 * whatever namespace the object carries (kubeadm sets one on some ClusterRoles; the server drops it).
 */
import { UserError } from "../errors.ts";

/** Any Kubernetes object as JSON. `metadata.name` is required for everything but LIST. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** What names a resource (or, without `name`, a collection). */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A LIST answer. */
export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; [field: string]: unknown };
  items: KubeObject[];
}

export interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const RBAC = "rbac.authorization.k8s.io/v1";

/** Every kind kadm creates, reads or patches. */
export const RESOURCES: readonly ResourceInfo[] = [
  res("v1", "ConfigMap", "configmaps", true),
  res("v1", "Secret", "secrets", true),
  res("v1", "ServiceAccount", "serviceaccounts", true),
  res("v1", "Service", "services", true),
  res("v1", "Pod", "pods", true),
  res("v1", "Namespace", "namespaces", false),
  res("v1", "Node", "nodes", false),
  res(RBAC, "Role", "roles", true),
  res(RBAC, "RoleBinding", "rolebindings", true),
  res(RBAC, "ClusterRole", "clusterroles", false),
  res(RBAC, "ClusterRoleBinding", "clusterrolebindings", false),
  res("apps/v1", "Deployment", "deployments", true),
  res("apps/v1", "DaemonSet", "daemonsets", true),
];

function res(apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceInfo {
  const slash = apiVersion.indexOf("/");
  return {
    apiVersion,
    kind,
    group: slash < 0 ? "" : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    plural,
    namespaced,
  };
}

/** The table row for apiVersion + kind; a kind kadm does not know is a bug in the caller. */
export function resourceOf(ref: Pick<ObjectRef, "apiVersion" | "kind">): ResourceInfo {
  const r = RESOURCES.find((x) => x.apiVersion === ref.apiVersion && x.kind === ref.kind);
  if (!r) {
    throw new UserError(
      `Unsupported API object ${ref.apiVersion}/${ref.kind}: kadm knows ${
        RESOURCES.map((x) => x.kind).join(", ")
      }`,
    );
  }
  return r;
}

/** The ref of an object (or of a ref), with its namespace kept only for namespaced kinds. */
export function refOf(obj: KubeObject | ObjectRef): ObjectRef {
  const meta = "metadata" in obj ? (obj as KubeObject).metadata : undefined;
  const r = obj as ObjectRef;
  const name = meta ? meta.name : r.name;
  const namespace = meta ? meta.namespace : r.namespace;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(namespace !== undefined && namespace !== "" ? { namespace } : {}),
    ...(name !== undefined && name !== "" ? { name } : {}),
  };
}

/**
 * The REST path: `/api/v1/namespaces/kube-system/configmaps/kubeadm-config`,
 * `/apis/rbac.authorization.k8s.io/v1/clusterroles/x`; without a name, the collection.
 * A namespaced kind without a namespace lists across all namespaces.
 */
export function pathFor(obj: KubeObject | ObjectRef): string {
  const ref = refOf(obj);
  const r = resourceOf(ref);
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : "";
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : "";
  return `${base}${ns}/${r.plural}${name}`;
}

/** `configmaps "kube-system/kubeadm-config"`-style label for messages. */
export function describeRef(ref: ObjectRef): string {
  const r = resourceOf(ref);
  const ns = r.namespaced && ref.namespace ? `${ref.namespace}/` : "";
  return `${r.kind} "${ns}${ref.name ?? ""}"`;
}

/** Deep copy of JSON data. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
