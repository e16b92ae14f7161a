/**
 * bootstrap-token (kubeadm's phases/bootstraptoken/node and apis/bootstraptoken): the token Secrets
 * `bootstrap-token-<id>` (type bootstrap.kubernetes.io/token; data token-id, token-secret, description
 * when set, expiration RFC 3339 in UTC when the token expires, usage-bootstrap-<usage> "true",
 * auth-extra-groups comma-joined), the node-bootstrap RBAC and, from v1.29, the kubeadm:cluster-admins
 * ClusterRoleBinding. Lines as kubeadm prints them ("configured" became "Configured" in v1.22).
 */
import type { BootstrapToken, InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import {
  base64,
  binding,
  BOOTSTRAPPERS_GROUP,
  group,
  KUBE_SYSTEM,
  type KubeObject,
  meta,
  NODES_GROUP,
  role,
  type Secret,
  type Step,
} from "./types.ts";

export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const CLUSTER_ADMINS = "kubeadm:cluster-admins";

/** `[a-z0-9]{6}.[a-z0-9]{16}` split into id and secret. */
export function splitToken(token: string): { id: string; secret: string } {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  if (!m) throw new Error(`internal: malformed bootstrap token ${JSON.stringify(token)}`);
  return { id: m[1]!, secret: m[2]! };
}

/** Go's time.Format(time.RFC3339) of a UTC instant: no fractional seconds, `Z`. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The absolute expiry kubeadm writes, or undefined when the token never expires. */
export function tokenExpiration(t: BootstrapToken, now: Date): string | undefined {
  if (t.expires !== "") return rfc3339(new Date(t.expires));
  if (t.ttl > 0) return rfc3339(new Date(now.getTime() + t.ttl * 1000));
  return undefined;
}

export function bootstrapTokenSecret(t: BootstrapToken, now: Date): Secret {
  const { id, secret } = splitToken(t.token);
  const data: Record<string, string> = { "token-id": base64(id), "token-secret": base64(secret) };
  if (t.description !== "") data.description = base64(t.description);
  const exp = tokenExpiration(t, now);
  if (exp !== undefined) data.expiration = base64(exp);
  for (const u of t.usages) data[`usage-bootstrap-${u}`] = base64("true");
  if (t.groups.length > 0) data["auth-extra-groups"] = base64(t.groups.join(","));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(`bootstrap-token-${id}`, KUBE_SYSTEM),
    data,
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
  };
}

export interface BootstrapTokenObjects {
  readonly secrets: readonly Secret[];
  readonly rbac: readonly KubeObject[];
  /** Header lines, then one step per token Secret group and RBAC rule, in kubeadm's order. */
  readonly steps: readonly Step[];
  readonly lines: readonly string[];
}

// "configured" up to v1.23 (real v1.21.4, v1.22.2, v1.23.9 transcripts), "Configured" from v1.24 (v1.24.1, v1.24.3).
const configured = (info: MinorInfo) => (info.minor >= 24 ? "Configured" : "configured");

export function bootstrapTokenObjects(cfg: InitConfig, info: MinorInfo, now: Date): BootstrapTokenObjects {
  const secrets = cfg.bootstrapTokens.map((t) => bootstrapTokenSecret(t, now));
  const c = configured(info);
  const getNodes = "kubeadm:get-nodes";
  // kubeadm sets a namespace on these cluster-scoped objects; the API server drops it.
  const rules: Step[] = [
    {
      line: `[bootstrap-token] ${c} RBAC rules to allow Node Bootstrap tokens to get nodes`,
      objects: [
        role("ClusterRole", meta(getNodes, KUBE_SYSTEM), [{
          apiGroups: [""],
          resources: ["nodes"],
          verbs: ["get"],
        }]),
        binding("ClusterRoleBinding", meta(getNodes, KUBE_SYSTEM), { kind: "ClusterRole", name: getNodes }, [
          group(BOOTSTRAPPERS_GROUP),
        ]),
      ],
    },
    {
      line:
        `[bootstrap-token] ${c} RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials`,
      objects: [crb("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", BOOTSTRAPPERS_GROUP)],
    },
    {
      line:
        `[bootstrap-token] ${c} RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token`,
      objects: [
        crb(
          "kubeadm:node-autoapprove-bootstrap",
          "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
          BOOTSTRAPPERS_GROUP,
        ),
      ],
    },
    {
      line:
        `[bootstrap-token] ${c} RBAC rules to allow certificate rotation for all node client certificates in the cluster`,
      objects: [
        crb(
          "kubeadm:node-autoapprove-certificate-rotation",
          "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
          NODES_GROUP,
        ),
      ],
    },
  ];
  const first = cfg.bootstrapTokens[0];
  const lines = [
    ...(first ? [`[bootstrap-token] Using token: ${first.token}`] : []),
    "[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles",
  ];
  return {
    secrets,
    rbac: rules.flatMap((s) => s.objects),
    lines,
    steps: [{ line: lines.join("\n"), objects: secrets }, ...rules],
  };
}

function crb(name: string, clusterRole: string, subjectGroup: string): KubeObject {
  return binding("ClusterRoleBinding", meta(name), { kind: "ClusterRole", name: clusterRole }, [
    group(subjectGroup),
  ]);
}

/** v1.29+: Group kubeadm:cluster-admins (admin.conf's organization) -> ClusterRole cluster-admin. */
export function clusterAdminsBinding(): KubeObject {
  return crb(CLUSTER_ADMINS, "cluster-admin", CLUSTER_ADMINS);
}
