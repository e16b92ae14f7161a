/**
 * The kubelet's files, rendered as kubeadm's phases/kubelet and componentconfigs/kubelet.go do for the
 * chosen minor: /var/lib/kubelet/kubeadm-flags.env, /var/lib/kubelet/config.yaml,
 * /var/lib/kubelet/instance-config.yaml (NodeLocalCRISocket) and the systemd drop-in the kubeadm
 * packages ship (kadm has no package, so it writes the drop-in itself where none exists).
 */
import type { Arg, InitConfig } from "./model.ts";
import type { MinorInfo } from "./versions.ts";
import { pauseImage } from "./images.ts";
import { nodeLocalCRISocket } from "./features.ts";
import { dnsServiceIP } from "./net.ts";

export const DOCKERSHIM_SOCKET = "/var/run/dockershim.sock";

export interface KubeletHostFacts {
  /** The host's own name; --hostname-override is passed only when the node name differs. */
  readonly hostname: string;
  /** systemd-resolved is running: the kubelet must read its real resolv.conf. */
  readonly systemdResolved: boolean;
}

const RESOLVED_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";

/** The CRI endpoint as this minor's kubeadm writes it (unix:// added from the minor that requires URLs). */
export function criEndpoint(socket: string, info: MinorInfo): string {
  if (info.criSocketURL && socket.startsWith("/")) return `unix://${socket}`;
  return socket;
}

function isDockershim(socket: string, info: MinorInfo): boolean {
  return !info.criSocketURL && socket.replace(/^unix:\/\//, "") === DOCKERSHIM_SOCKET;
}

/** Contents of /var/lib/kubelet/kubeadm-flags.env. `criSocket` is the resolved (detected) socket. */
export function renderKubeletFlagsEnv(
  cfg: InitConfig,
  info: MinorInfo,
  criSocket: string,
  host: KubeletHostFacts,
): string {
  const flags = new Map<string, string>();
  if (isDockershim(criSocket, info)) {
    flags.set("network-plugin", "cni");
    flags.set("pod-infra-container-image", pauseImage(cfg, info));
  } else {
    if (info.kubeletContainerRuntimeRemote) flags.set("container-runtime", "remote");
    if (!nodeLocalCRISocket(cfg, info)) flags.set("container-runtime-endpoint", criEndpoint(criSocket, info));
    if (info.kubeletPodInfraImage) flags.set("pod-infra-container-image", pauseImage(cfg, info));
  }
  // v1.20 passed resolv-conf as a flag; later minors put it in config.yaml.
  if (host.systemdResolved && !info.kubeletCgroupDriverSystemd) {
    flags.set("resolv-conf", RESOLVED_RESOLV_CONF);
  }
  const node = cfg.nodeRegistration.name;
  if (node !== host.hostname) flags.set("hostname-override", node);
  const args: Arg[] = [...flags].map(([name, value]) => ({ name, value }));
  const extra = cfg.nodeRegistration.kubeletExtraArgs;
  const overridden = new Set(extra.map((a) => a.name));
  const all = [...args.filter((a) => !overridden.has(a.name)), ...extra]
    .map((a, i) => ({ a, i }))
    .sort((x, y) => (x.a.name < y.a.name ? -1 : x.a.name > y.a.name ? 1 : x.i - y.i))
    .map(({ a }) => `--${a.name}=${a.value}`);
  return `KUBELET_KUBEADM_ARGS="${all.join(" ")}"\n`;
}

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge: `over` wins; objects merge key by key; arrays and scalars are replaced. */
export function deepMerge(base: Rec, over: Rec): Rec {
  const out: Rec = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRec(b) && isRec(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function setPath(obj: Rec, path: string, value: unknown): Rec {
  const [head, ...rest] = path.split(".");
  const key = head!;
  if (rest.length === 0) return { ...obj, [key]: value };
  const child = isRec(obj[key]) ? obj[key] as Rec : {};
  return { ...obj, [key]: setPath(child, rest.join("."), value) };
}

function getPath(obj: Rec, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split(".")) {
    if (!isRec(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The DNS service IP: the 10th address of the (first) service subnet. */
export function clusterDNSIP(cfg: InitConfig): string {
  return dnsServiceIP(cfg.cluster.networking.serviceSubnet);
}

/**
 * The KubeletConfiguration kubeadm stores and writes: the user's document, kubeadm's defaults for unset
 * fields, and the zero values the Go marshaller prints. Returns the object (for the ConfigMap too).
 */
export function kubeletConfigObject(cfg: InitConfig, info: MinorInfo, host: KubeletHostFacts): Rec {
  const user: Rec = { ...(cfg.kubeletConfiguration ?? {}) };
  delete user.apiVersion;
  delete user.kind;
  let c: Rec = {};
  for (const p of info.kubeletZeroDurations) c = setPath(c, p, "0s");
  c = deepMerge(c, info.kubeletZeroFields as Rec);
  c = deepMerge(c, user);
  const defaults: [string, unknown][] = [
    ["staticPodPath", "/etc/kubernetes/manifests"],
    ["clusterDNS", [clusterDNSIP(cfg)]],
    ["clusterDomain", cfg.cluster.networking.dnsDomain],
    ["authentication.x509.clientCAFile", `${cfg.cluster.certificatesDir}/ca.crt`],
    ["authentication.anonymous.enabled", false],
    ["authentication.webhook.enabled", true],
    ["authorization.mode", "Webhook"],
    ["healthzBindAddress", "127.0.0.1"],
    ["healthzPort", 10248],
    ["rotateCertificates", true],
  ];
  if (info.kubeletCgroupDriverSystemd) defaults.push(["cgroupDriver", "systemd"]);
  if (info.kubeletCgroupDriverSystemd && host.systemdResolved) {
    defaults.push(["resolvConf", RESOLVED_RESOLV_CONF]);
  }
  for (const [path, value] of defaults) {
    const cur = getPath(c, path);
    if (cur === undefined || cur === "" || (Array.isArray(cur) && cur.length === 0)) {
      c = setPath(c, path, value);
    }
  }
  return { apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", ...c };
}

/** /var/lib/kubelet/instance-config.yaml (NodeLocalCRISocket), or undefined where the minor has none. */
export function renderInstanceConfig(
  cfg: InitConfig,
  info: MinorInfo,
  criSocket: string,
): string | undefined {
  if (!nodeLocalCRISocket(cfg, info)) return undefined;
  return `containerRuntimeEndpoint: ${JSON.stringify(criEndpoint(criSocket, info))}\n`;
}

/** The drop-in of the kubeadm deb package (kubernetes/release), modern form. */
export const KUBELET_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

/** Known CRI sockets, in kubeadm's detection order for the minor. */
export function knownCRISockets(info: MinorInfo): string[] {
  const list = ["/var/run/containerd/containerd.sock", "/var/run/crio/crio.sock"];
  if (info.minor <= 23) return [DOCKERSHIM_SOCKET.replace("dockershim", "docker"), ...list];
  return [...list, "/var/run/cri-dockerd.sock"];
}
