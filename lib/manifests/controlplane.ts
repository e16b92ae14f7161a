/**
 * Static Pods for kube-apiserver, kube-controller-manager and kube-scheduler, as kubeadm's
 * phases/controlplane (manifests.go, volumes.go) renders them for the chosen minor.
 */
import type { Arg, EnvVar, InitConfig } from "../model.ts";
import { parseVersion } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import {
  argumentsToCommand,
  componentPod,
  isIPv6,
  joinHostPort,
  lastArg,
  livenessProbe,
  mergeEnv,
  mergeVolumes,
  mountObjects,
  type Obj,
  readinessProbe,
  setArg,
  startupProbe,
  type Volume,
} from "./pod.ts";
import { kubernetesImage } from "../images.ts";

export const CONTROL_PLANE_COMPONENTS = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
] as const;
export type ControlPlaneComponent = typeof CONTROL_PLANE_COMPONENTS[number];

/** What the renderer needs to know about the host; the phase gathers it. */
export interface ManifestHostFacts {
  /** Which of the optional CA folders exist on the host (kubeadm mounts only those). */
  readonly caDirsPresent: ReadonlySet<string>;
  /** `*_proxy` variables of kadm's environment. */
  readonly proxyEnv: readonly EnvVar[];
  /** ca.crt without ca.key: the controller-manager gets empty signing flags. */
  readonly externalCA: boolean;
}

const KUBERNETES_DIR = "/etc/kubernetes";

/** Optional CA folders, by era. v1.20 mounted /etc/pki whole; later minors mount two sub-folders. */
function optionalCADirs(info: MinorInfo): readonly (readonly [string, string])[] {
  const pki: (readonly [string, string])[] = info.minor >= 29
    ? [["etc-pki-ca-trust", "/etc/pki/ca-trust"], ["etc-pki-tls-certs", "/etc/pki/tls/certs"]]
    : [["etc-pki", "/etc/pki"]];
  return [
    ["etc-ca-certificates", "/etc/ca-certificates"],
    ...pki,
    ["usr-local-share-ca-certificates", "/usr/local/share/ca-certificates"],
    ["usr-share-ca-certificates", "/usr/share/ca-certificates"],
  ];
}

/** Every host path whose existence changes the manifests (the phase asks the host about these). */
export function optionalHostPaths(info: MinorInfo): string[] {
  return optionalCADirs(info).map(([, p]) => p);
}

function ro(name: string, path: string, pathType: string): Volume {
  return { name, hostPath: path, mountPath: path, readOnly: true, pathType };
}

function caVolumes(cfg: InitConfig, info: MinorInfo, host: ManifestHostFacts): Volume[] {
  const vols = [
    ro("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
    ro("k8s-certs", cfg.cluster.certificatesDir, "DirectoryOrCreate"),
  ];
  for (const [name, path] of optionalCADirs(info)) {
    if (host.caDirsPresent.has(path)) vols.push(ro(name, path, "DirectoryOrCreate"));
  }
  return vols;
}

/** Folders of the external etcd certificate files not already mounted (kubeadm's getEtcdCertVolumes). */
function externalEtcdVolumes(cfg: InitConfig): Volume[] {
  const ext = cfg.cluster.etcd.external;
  if (!ext) return [];
  const skip = ["/etc/ssl/certs", "/etc/pki", cfg.cluster.certificatesDir];
  let dirs: string[] = [];
  for (const file of [ext.caFile, ext.certFile, ext.keyFile]) {
    if (!file) continue;
    const dir = file.replace(/\/[^/]*$/, "") || "/";
    if (skip.some((s) => dir.startsWith(s))) continue;
    if (dirs.some((d) => dir.startsWith(d))) continue;
    dirs = dirs.filter((d) => !d.startsWith(dir));
    dirs.push(dir);
  }
  return dirs.sort().map((d, i) => ro(`etcd-certs-${i}`, d, "DirectoryOrCreate"));
}

function apiServerArgs(cfg: InitConfig, info: MinorInfo): string[] {
  const c = cfg.cluster;
  const pki = c.certificatesDir;
  const ep = cfg.localAPIEndpoint;
  const args: Arg[] = [
    { name: "advertise-address", value: ep.advertiseAddress },
    { name: "enable-admission-plugins", value: "NodeRestriction" },
    { name: "service-cluster-ip-range", value: c.networking.serviceSubnet },
    { name: "service-account-key-file", value: `${pki}/sa.pub` },
    { name: "service-account-signing-key-file", value: `${pki}/sa.key` },
    { name: "service-account-issuer", value: `https://kubernetes.default.svc.${c.networking.dnsDomain}` },
    { name: "client-ca-file", value: `${pki}/ca.crt` },
    { name: "tls-cert-file", value: `${pki}/apiserver.crt` },
    { name: "tls-private-key-file", value: `${pki}/apiserver.key` },
    { name: "kubelet-client-certificate", value: `${pki}/apiserver-kubelet-client.crt` },
    { name: "kubelet-client-key", value: `${pki}/apiserver-kubelet-client.key` },
    { name: "enable-bootstrap-token-auth", value: "true" },
    { name: "secure-port", value: String(ep.bindPort) },
    { name: "allow-privileged", value: "true" },
    { name: "kubelet-preferred-address-types", value: "InternalIP,ExternalIP,Hostname" },
    { name: "requestheader-username-headers", value: "X-Remote-User" },
    { name: "requestheader-group-headers", value: "X-Remote-Group" },
    { name: "requestheader-extra-headers-prefix", value: "X-Remote-Extra-" },
    { name: "requestheader-client-ca-file", value: `${pki}/front-proxy-ca.crt` },
    { name: "requestheader-allowed-names", value: "front-proxy-client" },
    { name: "proxy-client-cert-file", value: `${pki}/front-proxy-client.crt` },
    { name: "proxy-client-key-file", value: `${pki}/front-proxy-client.key` },
  ];
  if (info.apiserverInsecurePortZero) setArg(args, "insecure-port", "0");
  const ext = c.etcd.external;
  if (ext) {
    setArg(args, "etcd-servers", ext.endpoints.join(","));
    if (ext.caFile) setArg(args, "etcd-cafile", ext.caFile);
    if (ext.certFile && ext.keyFile) {
      setArg(args, "etcd-certfile", ext.certFile);
      setArg(args, "etcd-keyfile", ext.keyFile);
    }
  } else {
    const local = isIPv6(ep.advertiseAddress) ? "::1" : "127.0.0.1";
    setArg(args, "etcd-servers", `https://${joinHostPort(local, 2379)}`);
    setArg(args, "etcd-cafile", `${pki}/etcd/ca.crt`);
    setArg(args, "etcd-certfile", `${pki}/apiserver-etcd-client.crt`);
    setArg(args, "etcd-keyfile", `${pki}/apiserver-etcd-client.key`);
    const adv = c.etcd.local ? lastArg(c.etcd.local.extraArgs, "advertise-client-urls") : undefined;
    if (adv !== undefined) setArg(args, "etcd-servers", adv);
  }
  if (c.cloudProvider) setArg(args, "cloud-provider", c.cloudProvider);
  dualStackGate(cfg, info, args);
  if (lastArg(c.apiServer.extraArgs, "authorization-config") === undefined) {
    setArg(args, "authorization-mode", authzModes(lastArg(c.apiServer.extraArgs, "authorization-mode")));
  }
  return ["kube-apiserver", ...argumentsToCommand(args, c.apiServer.extraArgs)];
}

/**
 * While kubeadm had an IPv6DualStack gate (v1.20, v1.21) a value set in the config was passed on to
 * kube-apiserver and kube-controller-manager as their own feature gate.
 */
function dualStackGate(cfg: InitConfig, info: MinorInfo, args: Arg[]): void {
  const v = cfg.cluster.featureGates.IPv6DualStack;
  if (v !== undefined && "IPv6DualStack" in info.featureGates) {
    setArg(args, "feature-gates", `IPv6DualStack=${v}`);
  }
}

const AUTHZ_MODES = new Set(["Node", "RBAC", "Webhook", "ABAC", "AlwaysAllow", "AlwaysDeny"]);

function authzModes(user: string | undefined): string {
  const modes = (user ?? "").split(",").filter((m) => AUTHZ_MODES.has(m));
  return modes.length > 0 ? modes.join(",") : "Node,RBAC";
}

/** What kube-controller-manager and kube-scheduler share: local bind, leader election, their kubeconfig. */
function componentArgs(kubeconfig: string): Arg[] {
  return [
    { name: "bind-address", value: "127.0.0.1" },
    { name: "leader-elect", value: "true" },
    { name: "kubeconfig", value: kubeconfig },
    { name: "authentication-kubeconfig", value: kubeconfig },
    { name: "authorization-kubeconfig", value: kubeconfig },
  ];
}

function controllerManagerArgs(cfg: InitConfig, info: MinorInfo, host: ManifestHostFacts): string[] {
  const c = cfg.cluster;
  const pki = c.certificatesDir;
  const kubeconfig = `${KUBERNETES_DIR}/controller-manager.conf`;
  const args: Arg[] = [
    ...componentArgs(kubeconfig),
    { name: "client-ca-file", value: `${pki}/ca.crt` },
    { name: "requestheader-client-ca-file", value: `${pki}/front-proxy-ca.crt` },
    { name: "root-ca-file", value: `${pki}/ca.crt` },
    { name: "service-account-private-key-file", value: `${pki}/sa.key` },
    { name: "cluster-signing-cert-file", value: host.externalCA ? "" : `${pki}/ca.crt` },
    { name: "cluster-signing-key-file", value: host.externalCA ? "" : `${pki}/ca.key` },
    { name: "use-service-account-credentials", value: "true" },
    { name: "controllers", value: "*,bootstrapsigner,tokencleaner" },
  ];
  if (info.componentPortZero) setArg(args, "port", "0");
  if (c.networking.podSubnet) {
    setArg(args, "allocate-node-cidrs", "true");
    setArg(args, "cluster-cidr", c.networking.podSubnet);
    if (c.networking.serviceSubnet) setArg(args, "service-cluster-ip-range", c.networking.serviceSubnet);
  }
  if (c.clusterName) setArg(args, "cluster-name", c.clusterName);
  if (c.cloudProvider) setArg(args, "cloud-provider", c.cloudProvider);
  dualStackGate(cfg, info, args);
  return ["kube-controller-manager", ...argumentsToCommand(args, c.controllerManager.extraArgs)];
}

function schedulerArgs(cfg: InitConfig, info: MinorInfo): string[] {
  const kubeconfig = `${KUBERNETES_DIR}/scheduler.conf`;
  const args = componentArgs(kubeconfig);
  if (info.componentPortZero) setArg(args, "port", "0");
  return ["kube-scheduler", ...argumentsToCommand(args, cfg.cluster.scheduler.extraArgs)];
}

/** kubeadm's GetControllerManagerProbeAddress / GetSchedulerProbeAddress: the bind-address extra arg,
 * except the unspecified addresses, which mean "probe the pod IP" (no host). */
function probeHost(extraArgs: readonly Arg[]): string {
  const addr = lastArg(extraArgs, "bind-address");
  if (addr === undefined) return "127.0.0.1";
  return addr === "0.0.0.0" || addr === "::" ? "" : addr;
}

function container(name: string, image: string, command: string[], extra: Obj, env: readonly EnvVar[]): Obj {
  return {
    command,
    ...(env.length > 0 ? { env: env.map((e) => ({ name: e.name, value: e.value })) } : {}),
    image,
    imagePullPolicy: "IfNotPresent",
    name,
    ...extra,
  };
}

/** Renders the three control-plane Pods, keyed by component name. */
export function renderControlPlanePods(
  cfg: InitConfig,
  info: MinorInfo,
  host: ManifestHostFacts,
): Record<ControlPlaneComponent, Obj> {
  const c = cfg.cluster;
  const v = parseVersion(c.kubernetesVersion);
  if (!v) throw new Error(`internal: bad version ${c.kubernetesVersion}`);
  const t = { controlPlaneComponentHealthCheck: c.timeouts.controlPlaneComponentHealthCheck };
  const ep = cfg.localAPIEndpoint;
  const apiHost = ep.advertiseAddress || "127.0.0.1";

  const apiVols = mergeVolumes(
    [...caVolumes(cfg, info, host), ...externalEtcdVolumes(cfg)],
    c.apiServer.extraVolumes,
  );
  const kcmConf = `${KUBERNETES_DIR}/controller-manager.conf`;
  const kcmVols = mergeVolumes([
    ...caVolumes(cfg, info, host),
    { ...ro("kubeconfig", kcmConf, "FileOrCreate") },
    {
      name: "flexvolume-dir",
      hostPath: lastArg(c.controllerManager.extraArgs, "flex-volume-plugin-dir") ??
        "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
      mountPath: lastArg(c.controllerManager.extraArgs, "flex-volume-plugin-dir") ??
        "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
      readOnly: false,
      pathType: "DirectoryOrCreate",
    },
  ], c.controllerManager.extraVolumes);
  const schedConf = `${KUBERNETES_DIR}/scheduler.conf`;
  const schedVols = mergeVolumes([ro("kubeconfig", schedConf, "FileOrCreate")], c.scheduler.extraVolumes);

  const kcmHost = probeHost(c.controllerManager.extraArgs);
  const schedHost = probeHost(c.scheduler.extraArgs);

  return {
    "kube-apiserver": componentPod(info, {
      name: "kube-apiserver",
      annotations: {
        "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": joinHostPort(
          ep.advertiseAddress,
          ep.bindPort,
        ),
      },
      volumes: apiVols,
      container: container(
        "kube-apiserver",
        kubernetesImage(cfg, info, "kube-apiserver"),
        apiServerArgs(cfg, info),
        {
          livenessProbe: livenessProbe(apiHost, "/livez", ep.bindPort, "HTTPS"),
          readinessProbe: readinessProbe(apiHost, "/readyz", ep.bindPort, "HTTPS"),
          resources: { requests: { cpu: "250m" } },
          startupProbe: startupProbe(apiHost, "/livez", ep.bindPort, "HTTPS", t),
          volumeMounts: mountObjects(apiVols),
        },
        mergeEnv(host.proxyEnv, c.apiServer.extraEnvs),
      ),
    }),
    "kube-controller-manager": componentPod(info, {
      name: "kube-controller-manager",
      volumes: kcmVols,
      container: container(
        "kube-controller-manager",
        kubernetesImage(cfg, info, "kube-controller-manager"),
        controllerManagerArgs(cfg, info, host),
        {
          livenessProbe: livenessProbe(kcmHost, "/healthz", 10257, "HTTPS"),
          resources: { requests: { cpu: "200m" } },
          startupProbe: startupProbe(kcmHost, "/healthz", 10257, "HTTPS", t),
          volumeMounts: mountObjects(kcmVols),
        },
        mergeEnv(host.proxyEnv, c.controllerManager.extraEnvs),
      ),
    }),
    "kube-scheduler": componentPod(info, {
      name: "kube-scheduler",
      volumes: schedVols,
      container: container(
        "kube-scheduler",
        kubernetesImage(cfg, info, "kube-scheduler"),
        schedulerArgs(cfg, info),
        {
          livenessProbe: livenessProbe(schedHost, "/healthz", 10259, "HTTPS"),
          resources: { requests: { cpu: "100m" } },
          startupProbe: startupProbe(schedHost, "/healthz", 10259, "HTTPS", t),
          volumeMounts: mountObjects(schedVols),
        },
        mergeEnv(host.proxyEnv, c.scheduler.extraEnvs),
      ),
    }),
  };
}
