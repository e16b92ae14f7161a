/**
 * Self-hosting as kubeadm v1.9 - v1.12 offered it (`--feature-gates=SelfHosting=true`, v1alpha1
 * `selfHosted: true`; phases/selfhosting in kubeadm, removed with `alpha selfhosting pivot` in v1.21):
 * kube-apiserver, kube-controller-manager and kube-scheduler run as DaemonSets in kube-system built from
 * their static Pod manifests; etcd stays a static Pod. With StoreCertsInSecrets their certificates and
 * kubeconfig files come from Secrets instead of hostPath volumes.
 *
 * Pure: the DaemonSet and Secret builders take the parsed static Pod and file contents; the phase
 * (phases/selfhosting.ts) reads and writes.
 *
 * kadm's choices where kubeadm's were unsafe or stale (README "Self-hosting"):
 * - The DaemonSets select this node (`kubernetes.io/hostname`) besides the control-plane role label and
 *   keep the configured `--advertise-address`: kubeadm selected every master and substituted
 *   `$(HOST_IP)`, so a second control-plane node would have run a copy next to its own static Pods.
 * - Tolerations are the node's configured taints (any value), not only the old master taint.
 * - Only the files the components' flags name are put into Secrets (derived from the manifest, so it
 *   follows every minor's flags, e.g. sa.key for --service-account-signing-key-file); kubeadm also
 *   uploaded the etcd and front-proxy CA keys, which no self-hosted component reads.
 */
import { UserError } from "./errors.ts";
import type { InitConfig, Taint } from "./model.ts";
import type { MinorInfo } from "./versions.ts";
import type { KubeObject } from "./kubeapi.ts";
import { base64 } from "./objects/types.ts";
import { isObj } from "./patch_json.ts";

export const SELF_HOSTING = "SelfHosting";
export const STORE_CERTS_IN_SECRETS = "StoreCertsInSecrets";
/** kadm's own gates (kubeadm's list dropped them in v1.13): never stored in kubeadm-config. */
export const SELF_HOSTING_GATES: readonly string[] = [SELF_HOSTING, STORE_CERTS_IN_SECRETS];

/** kubeadm's MasterComponents order: the order of the hand-over. */
export const SELF_HOSTED_COMPONENTS = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
] as const;
export type SelfHostedComponent = typeof SELF_HOSTED_COMPONENTS[number];

/** Where Secret-backed kubeconfig files are mounted (a Secret volume is a folder, not one file). */
export const SELF_HOSTED_KUBECONFIG_DIR = "/etc/kubernetes/kubeconfig";
const CERTS_VOLUME = "k8s-certs";
const KUBECONFIG_VOLUME = "kubeconfig";
const KUBECONFIG_FLAGS = ["kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig"];

export function selfHostingOn(cfg: InitConfig): boolean {
  return cfg.cluster.featureGates[SELF_HOSTING] === true;
}

export function storeCertsInSecretsOn(cfg: InitConfig): boolean {
  return cfg.cluster.featureGates[STORE_CERTS_IN_SECRETS] === true;
}

/** The problem with the self-hosting gates of a config, or undefined. */
export function selfHostingGateProblem(gates: Readonly<Record<string, boolean>>): string | undefined {
  if (gates[STORE_CERTS_IN_SECRETS] === true && gates[SELF_HOSTING] !== true) {
    return "StoreCertsInSecrets=true needs SelfHosting=true (the certificates go into Secrets for the self-hosted DaemonSets); add SelfHosting=true or drop StoreCertsInSecrets";
  }
  return undefined;
}

export const daemonSetName = (c: string) => `self-hosted-${c}`;
export const selfHostedLabels = (c: string) => ({ "k8s-app": daemonSetName(c) });
/** The label query of the component's DaemonSet Pods. */
export const selfHostedSelector = (c: string) => `k8s-app=${daemonSetName(c)}`;

type Obj = Record<string, unknown>;

export interface StaticPod {
  readonly metadata: Obj;
  readonly spec: Obj & { containers: Obj[] };
}

/** Checks a parsed static Pod manifest enough to build a DaemonSet from it. */
export function asStaticPod(v: unknown, path: string): StaticPod {
  const bad = (why: string) =>
    new UserError(
      `Invalid static Pod manifest ${path}: ${why}; write it again with 'kadm init phase control-plane all'`,
    );
  if (!isObj(v) || v.kind !== "Pod" || v.apiVersion !== "v1") throw bad("not a v1 Pod");
  const spec = v.spec, meta = v.metadata ?? {};
  if (!isObj(spec) || !Array.isArray(spec.containers) || spec.containers.length === 0) {
    throw bad("spec.containers is empty");
  }
  if (!spec.containers.every(isObj)) throw bad("spec.containers holds a non-object");
  if (!isObj(meta)) throw bad("metadata is not an object");
  return { metadata: meta, spec: spec as StaticPod["spec"] };
}

/** The node the DaemonSets run on, and what it is marked with. */
export interface SelfHostingNode {
  readonly name: string;
  /** The control-plane role label the minor puts on the node. */
  readonly roleLabel: string;
  readonly taints: readonly Taint[];
}

export function selfHostingNode(cfg: InitConfig, info: MinorInfo): SelfHostingNode {
  const labels = info.controlPlaneLabels;
  const role = labels.find((l) => l === "node-role.kubernetes.io/control-plane") ?? labels[0]!;
  return {
    name: cfg.nodeRegistration.name,
    roleLabel: role,
    taints: cfg.nodeRegistration.taints ?? info.controlPlaneTaints,
  };
}

/** A file of the certificates folder a component reads, and where it lives in a Secret. */
export interface SecretFile {
  /** Relative to the certificates folder: "ca.crt", "etcd/ca.crt", "sa.pub". */
  readonly path: string;
  /** "ca", "etcd-ca", "sa", "apiserver" ... (kubeadm's base names, "/" as "-"). */
  readonly secret: string;
  readonly key: "tls.crt" | "tls.key";
}

function secretFileFor(rel: string): SecretFile | undefined {
  const m = /^(.+)\.(crt|key|pub)$/.exec(rel);
  if (!m) return undefined;
  return { path: rel, secret: m[1]!.replaceAll("/", "-"), key: m[2] === "key" ? "tls.key" : "tls.crt" };
}

function flagValue(arg: unknown): { name: string; value: string } | undefined {
  if (typeof arg !== "string") return undefined;
  const m = /^--([^=]+)=(.*)$/.exec(arg);
  return m ? { name: m[1]!, value: m[2]! } : undefined;
}

function mountPathOf(c: Obj, volume: string): string | undefined {
  const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts.filter(isObj) : [];
  const m = mounts.find((x) => x.name === volume);
  return typeof m?.mountPath === "string" ? m.mountPath : undefined;
}

/** The certificate-folder files the first container's flags name (those become Secret items). */
export function certFilesOf(pod: StaticPod): SecretFile[] {
  const c = pod.spec.containers[0]!;
  const dir = mountPathOf(c, CERTS_VOLUME);
  if (dir === undefined) return [];
  const out: SecretFile[] = [];
  for (const a of [...asStrings(c.command), ...asStrings(c.args)]) {
    const f = flagValue(a);
    if (!f || !f.value.startsWith(dir + "/")) continue;
    const file = secretFileFor(f.value.slice(dir.length + 1));
    if (file && !out.some((o) => o.path === file.path)) out.push(file);
  }
  return out;
}

/** The kubeconfig file (basename) the component reads through its `kubeconfig` volume, if any. */
export function kubeconfigFileOf(pod: StaticPod): string | undefined {
  const p = mountPathOf(pod.spec.containers[0]!, KUBECONFIG_VOLUME);
  return p?.split("/").at(-1);
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);

/** The projected volume holding `files` at their paths (one source per Secret, in first-use order). */
function projectedCerts(files: readonly SecretFile[]): Obj {
  const bySecret = new Map<string, SecretFile[]>();
  for (const f of files) bySecret.set(f.secret, [...(bySecret.get(f.secret) ?? []), f]);
  return {
    projected: {
      defaultMode: 0o600,
      sources: [...bySecret].map(([name, fs]) => ({
        secret: { name, items: fs.map((f) => ({ key: f.key, path: f.path })) },
      })),
    },
  };
}

/** StoreCertsInSecrets: the certificates and kubeconfig volumes from Secrets, the flags following. */
function useSecrets(spec: StaticPod["spec"], pod: StaticPod): void {
  const c = spec.containers[0]!;
  const files = certFilesOf(pod);
  const kubeconfig = kubeconfigFileOf(pod);
  const kubeconfigMount = mountPathOf(c, KUBECONFIG_VOLUME);
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isObj) : [];
  spec.volumes = volumes.map((v) => {
    if (v.name === CERTS_VOLUME && files.length > 0) return { name: v.name, ...projectedCerts(files) };
    if (v.name === KUBECONFIG_VOLUME && kubeconfig) {
      return { name: v.name, secret: { secretName: kubeconfig, defaultMode: 0o600 } };
    }
    return v;
  });
  if (kubeconfig && kubeconfigMount) {
    const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts.filter(isObj) : [];
    c.volumeMounts = mounts.map((m) =>
      m.name === KUBECONFIG_VOLUME ? { ...m, mountPath: SELF_HOSTED_KUBECONFIG_DIR } : m
    );
    const moved = `${SELF_HOSTED_KUBECONFIG_DIR}/${kubeconfig}`;
    const rewrite = (args: unknown) =>
      asStrings(args).map((a) => {
        const f = flagValue(a);
        return f && KUBECONFIG_FLAGS.includes(f.name) && f.value === kubeconfigMount
          ? `--${f.name}=${moved}`
          : a;
      });
    if (Array.isArray(c.command)) c.command = rewrite(c.command);
    if (Array.isArray(c.args)) c.args = rewrite(c.args);
  }
}

export interface DaemonSetOptions {
  readonly node: SelfHostingNode;
  readonly storeCertsInSecrets: boolean;
}

/** The DaemonSet that runs `component` as its static Pod does, on the control-plane node. */
export function buildDaemonSet(component: string, pod: StaticPod, o: DaemonSetOptions): KubeObject {
  const spec = structuredClone(pod.spec) as StaticPod["spec"];
  const meta = pod.metadata;
  spec.nodeSelector = {
    ...(isObj(spec.nodeSelector) ? spec.nodeSelector : {}),
    [o.node.roleLabel]: "",
    "kubernetes.io/hostname": o.node.name,
  };
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  spec.tolerations = [
    ...tolerations,
    ...o.node.taints.map((t) => ({ key: t.key, operator: "Exists", effect: t.effect })),
  ];
  spec.dnsPolicy = "ClusterFirstWithHostNet";
  // The Priority admission plugin computes it from priorityClassName for the Pods the DaemonSet makes.
  delete spec.priority;
  delete spec.nodeName;
  if (o.storeCertsInSecrets) useSecrets(spec, pod);
  const labels = selfHostedLabels(component);
  const templateMeta: Obj = { labels: { ...(isObj(meta.labels) ? meta.labels : {}), ...labels } };
  if (isObj(meta.annotations) && Object.keys(meta.annotations).length > 0) {
    templateMeta.annotations = meta.annotations;
  }
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: daemonSetName(component), namespace: "kube-system", labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: templateMeta, spec },
      updateStrategy: { type: "RollingUpdate" },
    },
  };
}

/** A Secret to create: its name and, per key, the file (relative to the certificates folder). */
export interface CertSecretPlan {
  readonly name: string;
  readonly files: Readonly<Partial<Record<"tls.crt" | "tls.key", string>>>;
}

/**
 * The certificate Secrets the self-hosted components need, in first-use order: kubernetes.io/tls
 * when both keys are used, Opaque holding only tls.crt for a CA only verified against.
 */
export function certSecretPlan(pods: readonly StaticPod[]): CertSecretPlan[] {
  const plans = new Map<string, Partial<Record<"tls.crt" | "tls.key", string>>>();
  for (const pod of pods) {
    for (const f of certFilesOf(pod)) plans.set(f.secret, { ...plans.get(f.secret), [f.key]: f.path });
  }
  return [...plans].map(([name, files]) => ({ name, files }));
}

/** The Secret of a plan, from the files' contents (keyed by the plan's relative paths). */
export function certSecret(plan: CertSecretPlan, read: (rel: string) => string): KubeObject {
  const tls = plan.files["tls.crt"] !== undefined && plan.files["tls.key"] !== undefined;
  const data: Record<string, string> = {};
  for (const [k, rel] of Object.entries(plan.files)) data[k] = base64(read(rel!));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: plan.name, namespace: "kube-system" },
    type: tls ? "kubernetes.io/tls" : "Opaque",
    data,
  };
}

/** The Opaque Secret holding one kubeconfig file under its own name (kubeadm's createOpaqueSecretFromFile). */
export function kubeconfigSecret(file: string, content: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: file, namespace: "kube-system" },
    type: "Opaque",
    data: { [file]: base64(content) },
  };
}
