/**
 * Authentication and authorization as kube-apiserver does them for kadm's requests.
 *
 * Authentication (union, first success wins): x509 client certificate verified against the cluster CA
 * (user = CN, groups = O's); bootstrap-token bearer tokens checked against the `bootstrap-token-<id>`
 * Secrets in kube-system (plugin/pkg/auth/authenticator/token/bootstrap); anonymous when no credential
 * was presented. A presented but bad certificate or token is 401. Authenticated users get
 * `system:authenticated`.
 *
 * Authorization: `system:masters` always (the privileged-group authorizer); a minimal Node authorizer
 * (a node may read Nodes and write its own); then RBAC over the stored Roles, RoleBindings,
 * ClusterRoles and ClusterRoleBindings, seeded with the bootstrap policy roles kadm binds to.
 */
import type { Certificate } from "../../lib/pki/certs.ts";
import { verifyClientCert } from "./apiserver_certs.ts";
import type { ObjectStore } from "./apiserver_store.ts";
import { errors, findResource, type KubeObject } from "./apiserver_types.ts";

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

export const ANONYMOUS: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const BOOTSTRAP_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

const decode64 = (v: unknown) => {
  try {
    return typeof v === "string"
      ? new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)))
      : "";
  } catch {
    return "";
  }
};

/** The bootstrap token authenticator; undefined where it has no opinion (which the caller makes a 401). */
export function bootstrapTokenUser(store: ObjectStore, token: string, now: Date): UserInfo | undefined {
  const m = TOKEN_RE.exec(token);
  if (!m) return undefined;
  const [, id, secret] = m;
  const s = store.get(findResource("", "v1", "secrets")!, "kube-system", `bootstrap-token-${id}`);
  if (!s || s.metadata?.deletionTimestamp || s.type !== "bootstrap.kubernetes.io/token" || !s.data) {
    return undefined;
  }
  const data = (k: string) => decode64(s.data[k]);
  if (data("token-secret") !== secret || data("token-id") !== id) return undefined;
  const exp = data("expiration");
  if (exp !== "") {
    const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(exp) ? Date.parse(exp) : NaN;
    if (!(t > now.getTime())) return undefined; // unparseable counts as expired
  }
  if (data("usage-bootstrap-authentication") !== "true") return undefined;
  const groups = new Set(["system:bootstrappers"]);
  const extra = data("auth-extra-groups");
  if (extra !== "") {
    for (const g of extra.split(",")) {
      if (!BOOTSTRAP_GROUP_RE.test(g)) return undefined;
      groups.add(g);
    }
  }
  return { name: `system:bootstrap:${id}`, groups: [...groups].sort() };
}

/** Who sent the request; throws the 401 Status where a credential was presented and refused. */
export async function authenticate(
  req: { readonly certDer?: Uint8Array; readonly authorization?: string },
  ca: Certificate,
  store: ObjectStore,
  now: Date,
): Promise<UserInfo> {
  const withAuthenticated = (u: UserInfo): UserInfo =>
    u.groups.includes("system:authenticated")
      ? u
      : { name: u.name, groups: [...u.groups, "system:authenticated"] };
  let refused = false;
  if (req.certDer && req.certDer.length > 0) {
    const id = await verifyClientCert(req.certDer, ca, now);
    if ("name" in id) return withAuthenticated(id);
    refused = true;
  }
  const auth = req.authorization ?? "";
  const parts = auth.trim().split(" ");
  if (parts.length >= 2 && parts[0]!.toLowerCase() === "bearer") {
    const u = bootstrapTokenUser(store, parts.slice(1).join(" ").trim(), now);
    if (u) return withAuthenticated(u);
    refused = true;
  }
  if (refused) throw errors.unauthorized();
  return ANONYMOUS;
}

// ---------------------------------------------------------------- authorization

/** authorizer.Attributes of a request. */
export interface Attributes {
  readonly verb: string;
  readonly resourceRequest: boolean;
  readonly path: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

type Rule = {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
};

function ruleAllows(rule: Rule, a: Attributes): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === "*" || x === v);
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some((u) =>
      u === "*" || u === a.path || (u.endsWith("*") && a.path.startsWith(u.slice(0, -1)))
    );
  }
  if (!has(rule.apiGroups, a.group)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resOk = (rule.resources ?? []).some((r) =>
    r === "*" || r === combined || (a.subresource !== "" && r === `*/${a.subresource}`)
  );
  if (!resOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

function subjectMatches(s: KubeObject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case "User":
      return s.name === user.name;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount": {
      const ns = s.namespace || bindingNamespace;
      return ns !== "" && user.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/** RBAC's decision: a rule in a role bound to the user (cluster-wide, or in the request's namespace). */
export function rbacAllows(store: ObjectStore, user: UserInfo, a: Attributes): boolean {
  const rbac = (res: string) => findResource("rbac.authorization.k8s.io", "v1", res)!;
  const clusterRole = (name: string) => store.get(rbac("clusterroles"), "", name);
  const rulesOf = (role: KubeObject | undefined): Rule[] => role?.rules ?? [];
  for (const b of store.list(rbac("clusterrolebindings"))) {
    if (b.roleRef?.kind !== "ClusterRole") continue;
    if (!(b.subjects ?? []).some((s: KubeObject) => subjectMatches(s, user, ""))) continue;
    if (rulesOf(clusterRole(b.roleRef.name)).some((r) => ruleAllows(r, a))) return true;
  }
  if (a.namespace === "" || !a.resourceRequest) return false;
  for (const b of store.list(rbac("rolebindings"), a.namespace)) {
    if (!(b.subjects ?? []).some((s: KubeObject) => subjectMatches(s, user, a.namespace))) continue;
    const role = b.roleRef?.kind === "Role"
      ? store.get(rbac("roles"), a.namespace, b.roleRef.name)
      : b.roleRef?.kind === "ClusterRole"
      ? clusterRole(b.roleRef.name)
      : undefined;
    if (rulesOf(role).some((r) => ruleAllows(r, a))) return true;
  }
  return false;
}

/** Node authorizer, reduced to Nodes: a kubelet reads any Node and writes only its own. */
function nodeAllows(user: UserInfo, a: Attributes): boolean {
  if (!user.groups.includes("system:nodes") || !user.name.startsWith("system:node:")) return false;
  if (!a.resourceRequest || a.group !== "" || a.resource !== "nodes") return false;
  if (["get", "list", "watch"].includes(a.verb)) return true;
  const own = user.name.slice("system:node:".length);
  return ["create", "update", "patch"].includes(a.verb) && a.name === own;
}

/** The Forbidden Status for a denied request, worded as kube-apiserver words it. */
export function forbidden(user: UserInfo, a: Attributes) {
  if (!a.resourceRequest) {
    return errors.forbidden(undefined, "", `User "${user.name}" cannot ${a.verb} path "${a.path}"`);
  }
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  return errors.forbidden(
    { group: a.group, resource: a.resource },
    a.name,
    `User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${where}`,
  );
}

export function authorize(store: ObjectStore, user: UserInfo, a: Attributes): boolean {
  return user.groups.includes("system:masters") || nodeAllows(user, a) || rbacAllows(store, user, a);
}

// ---------------------------------------------------------------- bootstrap policy

const DEFAULTS = {
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
};
const RBAC_V1 = "rbac.authorization.k8s.io/v1";
const CERTS = "certificates.k8s.io";

function clusterRole(name: string, rules: Rule[]): KubeObject {
  return {
    apiVersion: RBAC_V1,
    kind: "ClusterRole",
    metadata: { name, ...structuredClone(DEFAULTS) },
    rules,
  };
}

function binding(name: string, role: string, subjects: { kind: string; name: string }[]): KubeObject {
  return {
    apiVersion: RBAC_V1,
    kind: "ClusterRoleBinding",
    metadata: { name, ...structuredClone(DEFAULTS) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: subjects.map((s) =>
      s.kind === "ServiceAccount" ? s : { apiGroup: "rbac.authorization.k8s.io", ...s }
    ),
  };
}

const group = (name: string) => ({ kind: "Group", name });

/** The bootstrap-policy ClusterRoles and ClusterRoleBindings (plugin/pkg/auth/authorizer/rbac/bootstrappolicy) kadm relies on. */
export function bootstrapPolicy(): KubeObject[] {
  return [
    clusterRole("cluster-admin", [
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
      { verbs: ["*"], nonResourceURLs: ["*"] },
    ]),
    clusterRole("system:discovery", [{
      verbs: ["get"],
      nonResourceURLs: [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
      ],
    }]),
    clusterRole("system:public-info-viewer", [{
      verbs: ["get"],
      nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"],
    }]),
    clusterRole("system:basic-user", [
      { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] },
      {
        verbs: ["create"],
        apiGroups: ["authorization.k8s.io"],
        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      },
    ]),
    clusterRole("system:node-bootstrapper", [
      {
        verbs: ["create", "get", "list", "watch"],
        apiGroups: [CERTS],
        resources: ["certificatesigningrequests"],
      },
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [
      { verbs: ["create"], apiGroups: [CERTS], resources: ["certificatesigningrequests/nodeclient"] },
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [
      { verbs: ["create"], apiGroups: [CERTS], resources: ["certificatesigningrequests/selfnodeclient"] },
    ]),
    clusterRole("system:node-proxier", [
      { verbs: ["list", "watch"], apiGroups: [""], resources: ["services", "endpoints"] },
      { verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["nodes"] },
      { verbs: ["create", "patch", "update"], apiGroups: ["", "events.k8s.io"], resources: ["events"] },
      { verbs: ["list", "watch"], apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"] },
    ]),
    clusterRole("system:kubelet-api-admin", [
      { verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["nodes"] },
      { verbs: ["proxy"], apiGroups: [""], resources: ["nodes"] },
      {
        verbs: ["*"],
        apiGroups: [""],
        resources: ["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/spec", "nodes/stats"],
      },
    ]),
    binding("cluster-admin", "cluster-admin", [group("system:masters")]),
    binding("system:discovery", "system:discovery", [group("system:authenticated")]),
    binding("system:public-info-viewer", "system:public-info-viewer", [
      group("system:authenticated"),
      group("system:unauthenticated"),
    ]),
    binding("system:basic-user", "system:basic-user", [group("system:authenticated")]),
    binding("system:node-proxier", "system:node-proxier", [{ kind: "User", name: "system:kube-proxy" }]),
  ];
}
