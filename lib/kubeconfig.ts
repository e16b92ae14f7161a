/**
 * The kubeconfig files `kadm init` writes (kubeadm's phases/kubeconfig and util/kubeconfig):
 * who each identity is, which API server it talks to, the YAML exactly as client-go's
 * clientcmd.Write lays it out, and the check kubeadm runs on an existing file. Pure.
 */
import { parse } from "yaml";
import type { InitConfig } from "./model.ts";
import { kubeletConfLocal } from "./features.ts";
import type { MinorInfo } from "./versions.ts";
import { UserError } from "./errors.ts";
import { parseHostPort, parseIP } from "./net.ts";

export type KubeconfigName = "admin" | "super-admin" | "kubelet" | "controller-manager" | "scheduler";

/** One row of the identity table. */
export interface KubeconfigDef {
  /** kubeadm's phase name: `kadm init phase kubeconfig <name>`. */
  readonly name: KubeconfigName;
  readonly file: string;
  readonly short: string;
  /** Client certificate CN; "<node>" is the node name. */
  readonly cn: string;
  /** "admin" = MinorInfo.certOrgs.admin. */
  readonly orgs: readonly string[] | "admin";
  /** "controlPlane" = controlPlaneEndpoint (or the local endpoint); "kubelet" = kubeletConfLocal (gate or table) decides. */
  readonly server: "controlPlane" | "local" | "kubelet";
  /** Exists only when MinorInfo.superAdmin. */
  readonly superAdminOnly: boolean;
}

export const KUBECONFIGS: readonly KubeconfigDef[] = [
  {
    name: "admin",
    file: "admin.conf",
    short: "Generate a kubeconfig file for the admin to use and for kubeadm itself",
    cn: "kubernetes-admin",
    orgs: "admin",
    server: "controlPlane",
    superAdminOnly: false,
  },
  {
    name: "super-admin",
    file: "super-admin.conf",
    short: "Generate a kubeconfig file for the super-admin",
    cn: "kubernetes-super-admin",
    orgs: ["system:masters"],
    server: "controlPlane",
    superAdminOnly: true,
  },
  {
    name: "kubelet",
    file: "kubelet.conf",
    short: "Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes",
    cn: "system:node:<node>",
    orgs: ["system:nodes"],
    server: "kubelet",
    superAdminOnly: false,
  },
  {
    name: "controller-manager",
    file: "controller-manager.conf",
    short: "Generate a kubeconfig file for the controller manager to use",
    cn: "system:kube-controller-manager",
    orgs: [],
    server: "local",
    superAdminOnly: false,
  },
  {
    name: "scheduler",
    file: "scheduler.conf",
    short: "Generate a kubeconfig file for the scheduler to use",
    cn: "system:kube-scheduler",
    orgs: [],
    server: "local",
    superAdminOnly: false,
  },
];

/** A kubeconfig resolved for one config. */
export interface KubeconfigSpec {
  readonly name: KubeconfigName;
  readonly file: string;
  readonly cn: string;
  readonly orgs: readonly string[];
  readonly server: string;
}

export function kubeconfigSpecs(cfg: InitConfig, info: MinorInfo): KubeconfigSpec[] {
  const cp = controlPlaneURL(cfg);
  const local = localURL(cfg);
  return KUBECONFIGS.filter((d) => !d.superAdminOnly || info.superAdmin).map((d) => ({
    name: d.name,
    file: d.file,
    cn: d.cn.replace("<node>", cfg.nodeRegistration.name),
    orgs: d.orgs === "admin" ? info.certOrgs.admin : d.orgs,
    server: d.server === "local" || (d.server === "kubelet" && kubeletConfLocal(cfg, info)) ? local : cp,
  }));
}

const url = (host: string, port: string | number) =>
  `https://${host.includes(":") ? `[${host}]` : host}:${port}`;

/** https://<advertiseAddress>:<bindPort> (kubeadm's GetLocalAPIEndpoint). */
export function localURL(cfg: InitConfig): string {
  const { advertiseAddress, bindPort } = cfg.localAPIEndpoint;
  if (!parseIP(advertiseAddress)) {
    throw new UserError(
      `Invalid value for localAPIEndpoint.advertiseAddress: "${advertiseAddress}" is not a valid IP address`,
    );
  }
  return url(advertiseAddress, bindPort);
}

/** controlPlaneEndpoint as a URL (port defaults to bindPort), or the local endpoint when unset. */
export function controlPlaneURL(cfg: InitConfig): string {
  if (cfg.cluster.controlPlaneEndpoint === "") return localURL(cfg);
  const { host, port } = parseHostPort(cfg.cluster.controlPlaneEndpoint, "controlPlaneEndpoint");
  return url(host, port || cfg.localAPIEndpoint.bindPort);
}

export interface KubeconfigContent {
  readonly clusterName: string;
  readonly server: string;
  readonly user: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** The file as clientcmd.Write produces it (keys sorted, data base64 on one line). */
export function renderKubeconfig(k: KubeconfigContent): string {
  const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  const ctx = `${k.user}@${k.clusterName}`;
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${b64(k.caPem)}`,
    `    server: ${scalar(k.server)}`,
    `  name: ${scalar(k.clusterName)}`,
    "contexts:",
    "- context:",
    `    cluster: ${scalar(k.clusterName)}`,
    `    user: ${scalar(k.user)}`,
    `  name: ${scalar(ctx)}`,
    `current-context: ${scalar(ctx)}`,
    "kind: Config",
    "preferences: {}",
    "users:",
    `- name: ${scalar(k.user)}`,
    "  user:",
    `    client-certificate-data: ${b64(k.certPem)}`,
    `    client-key-data: ${b64(k.keyPem)}`,
    "",
  ].join("\n");
}

/** A plain YAML scalar where it reads back as the same string, else double-quoted (JSON escapes are YAML). */
function scalar(s: string): string {
  const plain = /^[A-Za-z0-9_./][A-Za-z0-9_./:@\-[\]]*$/.test(s) && !/: |:$/.test(s) &&
    !/^(true|false|yes|no|on|off|y|n|null|~|[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o?[0-7]+)$/i
      .test(s);
  return plain ? s : JSON.stringify(s);
}

/** What kadm needs from an existing kubeconfig: the current context's cluster. */
export interface KubeconfigCluster {
  readonly server: string;
  /** certificate-authority-data decoded, or undefined when the file points at a CA file instead. */
  readonly caData?: string;
  readonly caFile?: string;
}

type Rec = Record<string, unknown>;

/** A kubeconfig's current context: its cluster entry and, when it names one, its user entry. */
export interface CurrentContext {
  readonly cluster: Rec;
  readonly userName?: string;
  readonly user?: Rec;
}

/** Parses a kubeconfig and finds its current context; `path` names the file in errors. */
export function currentContext(text: string, path: string): CurrentContext {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UserError(`Invalid kubeconfig file ${path}: not YAML: delete it or fix it`, { cause: e });
  }
  const obj = (doc ?? {}) as Rec;
  const current = obj["current-context"];
  const named = (list: unknown, name: unknown) =>
    Array.isArray(list) ? list.find((e) => (e as Rec)?.name === name) as Rec | undefined : undefined;
  const context = named(obj.contexts, current)?.context as Rec | undefined;
  if (!context) {
    throw new UserError(
      `Invalid kubeconfig file ${path}: current-context "${current}" is not among its contexts`,
    );
  }
  const cluster = named(obj.clusters, context.cluster)?.cluster as Rec | undefined;
  if (!cluster) {
    throw new UserError(
      `Invalid kubeconfig file ${path}: cluster "${context.cluster}" of the current context is missing`,
    );
  }
  const userName = context.user;
  if (typeof userName !== "string" || userName === "") return { cluster };
  const user = named(obj.users, userName)?.user as Rec | undefined;
  if (!user) {
    throw new UserError(
      `Invalid kubeconfig file ${path}: user "${userName}" of the current context is missing`,
    );
  }
  return { cluster, userName, user };
}

/** Reads the current-context cluster; `path` names the file in errors. */
export function parseKubeconfig(text: string, path: string): KubeconfigCluster {
  const { cluster } = currentContext(text, path);
  const data = cluster["certificate-authority-data"];
  const file = cluster["certificate-authority"];
  return {
    server: String(cluster.server ?? ""),
    ...(typeof data === "string" && data !== ""
      ? { caData: base64Text(data, path, "certificate-authority-data") }
      : {}),
    ...(typeof file === "string" && file !== "" ? { caFile: file } : {}),
  };
}

/** Decodes a base64 field of a kubeconfig (certificate and key data) as text. */
export function base64Text(b64: string, path: string, field: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64.replace(/\s+/g, "")), (c) => c.charCodeAt(0)));
  } catch (e) {
    throw new UserError(`Invalid kubeconfig file ${path}: ${field} is not base64`, { cause: e });
  }
}

/**
 * kubeadm's validateKubeConfig: the CA (whitespace-trimmed) must be the expected one, else an
 * error; a different server only warns. Returns the warning line, if any.
 */
export function checkExistingKubeconfig(
  existing: { readonly server: string; readonly caPem: string | undefined },
  expected: { readonly server: string; readonly caPem: string },
  path: string,
  caPath: string,
): string | undefined {
  if (existing.caPem?.trim() !== expected.caPem.trim()) {
    throw new UserError(
      `A kubeconfig file "${path}" exists already but has got the wrong CA cert: it does not trust ${caPath}; ` +
        `delete it so kadm writes a new one, or restore the CA it was made for`,
    );
  }
  if (existing.server !== expected.server) {
    return `A kubeconfig file "${path}" exists already but has an unexpected API Server URL: expected: ${expected.server}, got: ${existing.server}`;
  }
  return undefined;
}
