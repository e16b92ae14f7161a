/**
 * The shapes kadm sends to the API server, built the way kubeadm builds them (Go structs marshalled to
 * JSON: zero `creationTimestamp: null`, empty `status: {}` and so on, so that the objects printed with
 * toKubeYaml read exactly like kubeadm's dry-run output). Helpers for metadata and RBAC objects.
 */

/** metav1.ObjectMeta as kubeadm fills it. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly resourceVersion?: string;
  readonly ownerReferences?: readonly Readonly<Record<string, unknown>>[];
  /** Always null: Go marshals the zero metav1.Time as null, and kubeadm sends it. */
  readonly creationTimestamp: null;
  /** Assignable to the API client's ObjectMeta (lib/kubeapi/resources.ts), which is open-ended. */
  readonly [field: string]: unknown;
}

/** Any API object: apiVersion, kind, metadata and the kind's own fields. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** A ConfigMap with its string data. */
export interface ConfigMap extends KubeObject {
  readonly kind: "ConfigMap";
  readonly data: Readonly<Record<string, string>>;
}

/** A Secret; `data` values are base64, as in the API's JSON. */
export interface Secret extends KubeObject {
  readonly kind: "Secret";
  readonly data: Readonly<Record<string, string>>;
  readonly type?: string;
}

/** A console line kubeadm prints, followed by the objects it then creates (in kubeadm's order). */
export interface Step {
  readonly line?: string;
  readonly objects: readonly KubeObject[];
}

export const KUBE_SYSTEM = "kube-system";
export const KUBE_PUBLIC = "kube-public";
export const RBAC_GROUP = "rbac.authorization.k8s.io";
const RBAC_V1 = `${RBAC_GROUP}/v1`;
/** kubeadm's NodeBootstrapTokenAuthGroup. */
export const BOOTSTRAPPERS_GROUP = "system:bootstrappers:kubeadm:default-node-token";
export const NODES_GROUP = "system:nodes";

export function meta(
  name: string,
  namespace?: string,
  extra: Omit<ObjectMeta, "name" | "namespace" | "creationTimestamp"> = {},
): ObjectMeta {
  return { name, ...(namespace === undefined ? {} : { namespace }), ...extra, creationTimestamp: null };
}

export interface Subject {
  readonly kind: "Group" | "User" | "ServiceAccount";
  readonly name: string;
  readonly namespace?: string;
}

export const group = (name: string): Subject => ({ kind: "Group", name });
export const serviceAccount = (name: string, namespace = KUBE_SYSTEM): Subject => ({
  kind: "ServiceAccount",
  name,
  namespace,
});

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** Role or ClusterRole (kubeadm puts a namespace on some ClusterRoles; the API server drops it). */
export function role(kind: "Role" | "ClusterRole", m: ObjectMeta, rules: readonly PolicyRule[]): KubeObject {
  return { apiVersion: RBAC_V1, kind, metadata: m, rules };
}

/** A rule granting `get` on named core objects (kubeadm's `NewRule("get")...Names(...)`). */
export function getNamed(resource: string, name: string): PolicyRule {
  return { apiGroups: [""], resourceNames: [name], resources: [resource], verbs: ["get"] };
}

export function binding(
  kind: "RoleBinding" | "ClusterRoleBinding",
  m: ObjectMeta,
  roleRef: { kind: "Role" | "ClusterRole"; name: string },
  subjects: readonly Subject[],
): KubeObject {
  return { apiVersion: RBAC_V1, kind, metadata: m, roleRef: { apiGroup: RBAC_GROUP, ...roleRef }, subjects };
}

export function configMap(m: ObjectMeta, data: Record<string, string>): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: m, data };
}

export function base64(text: string | Uint8Array): string {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
