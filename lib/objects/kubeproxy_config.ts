/**
 * The KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) kubeadm stores in the kube-proxy
 * ConfigMap: the Go struct of the minor marshalled with its zero values (pointers as null, durations as
 * "0s"), the user's document merged over it, then kubeadm's defaults (componentconfigs/kubeproxy.go):
 * bindAddress 0.0.0.0 (or :: for an IPv6 advertise address), clusterCIDR = podSubnet,
 * clientConnection.kubeconfig /var/lib/kube-proxy/kubeconfig.conf, the IPv6DualStack gate where known.
 */
import type { InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { deepMerge } from "../kubelet.ts";

type Rec = Record<string, unknown>;

export const KUBE_PROXY_KUBECONFIG = "/var/lib/kube-proxy/kubeconfig.conf";

/**
 * Zero-valued v1alpha1 struct per minor. v1.20 is exact (reference transcript); v1.23 equals it (a real
 * kubeadm v1.23.9 kube-proxy ConfigMap); v1.24 is exact (a real v1.24.3 dry run); v1.28 from a real
 * v1.28.2 `config print` dump; the other boundaries from the CHANGELOG entries cited below.
 */
export function kubeProxyZeroConfig(minor: number): Rec {
  const winkernel: Rec = { enableDSR: false, networkName: "", sourceVip: "" };
  // Absent in the v1.23.9 ConfigMap, present in v1.24.3.
  if (minor >= 24) Object.assign(winkernel, { forwardHealthCheckVip: false, rootHnsEndpointName: "" });
  const iptables: Rec = { masqueradeAll: false, masqueradeBit: null, minSyncPeriod: "0s", syncPeriod: "0s" };
  if (minor >= 26) iptables.localhostNodePorts = null; // kubernetes#108250, CHANGELOG-1.26
  const conntrack: Rec = {
    maxPerCore: null,
    min: null,
    tcpCloseWaitTimeout: null,
    tcpEstablishedTimeout: null,
  };
  // tcpBeLiberal/udpTimeout/udpStreamTimeout: kubernetes#120354 (CHANGELOG-1.29); absent in the v1.28.2 dump.
  if (minor >= 29) {
    Object.assign(conntrack, { tcpBeLiberal: false, udpStreamTimeout: "0s", udpTimeout: "0s" });
  }
  const c: Rec = {
    bindAddress: "",
    bindAddressHardFail: false,
    clientConnection: { acceptContentTypes: "", burst: 0, contentType: "", kubeconfig: "", qps: 0 },
    clusterCIDR: "",
    configSyncPeriod: "0s",
    conntrack,
    detectLocalMode: "",
    enableProfiling: false,
    healthzBindAddress: "",
    hostnameOverride: "",
    iptables,
    ipvs: {
      excludeCIDRs: null,
      minSyncPeriod: "0s",
      scheduler: "",
      strictARP: false,
      syncPeriod: "0s",
      tcpFinTimeout: "0s",
      tcpTimeout: "0s",
      udpTimeout: "0s",
    },
    metricsBindAddress: "",
    mode: "",
    nodePortAddresses: null,
    oomScoreAdj: null,
    portRange: "",
    showHiddenMetricsForVersion: "",
    winkernel,
  };
  // udpIdleTimeout went with the userspace proxy in v1.26 (kubernetes#112133).
  if (minor < 26) c.udpIdleTimeout = "0s";
  // KEP-2450 detectLocal: absent in the v1.23.9 ConfigMap, present in v1.24.3.
  if (minor >= 24) c.detectLocal = { bridgeInterface: "", interfaceNamePrefix: "" };
  if (minor >= 29) {
    c.nftables = { masqueradeAll: false, masqueradeBit: null, minSyncPeriod: "0s", syncPeriod: "0s" };
  }
  // logging: kubernetes#117800 (CHANGELOG-1.28; json-only in the v1.28.2 dump); options.text from v1.30, as
  // the kubelet's (same component-base type; a v1.29 kubelet config.yaml is json-only).
  if (minor >= 28) {
    const options: Rec = { json: { infoBufferSize: "0" } };
    if (minor >= 30) options.text = { infoBufferSize: "0" };
    c.logging = { flushFrequency: 0, options, verbosity: 0 };
  }
  return c;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

export function kubeProxyConfigObject(cfg: InitConfig, info: MinorInfo): Rec {
  const user: Rec = { ...(cfg.kubeProxyConfiguration ?? {}) };
  delete user.apiVersion;
  delete user.kind;
  const c = deepMerge(kubeProxyZeroConfig(info.minor), user);
  if (isEmpty(c.bindAddress)) {
    c.bindAddress = cfg.localAPIEndpoint.advertiseAddress.includes(":") ? "::" : "0.0.0.0";
  }
  const pod = cfg.cluster.networking.podSubnet;
  if (isEmpty(c.clusterCIDR) && pod !== "") c.clusterCIDR = pod;
  const conn = { ...(c.clientConnection as Rec) };
  if (isEmpty(conn.kubeconfig)) conn.kubeconfig = KUBE_PROXY_KUBECONFIG;
  c.clientConnection = conn;
  const gates: Rec = { ...((c.featureGates as Rec | undefined) ?? {}) };
  const dual = cfg.cluster.featureGates.IPv6DualStack;
  // kubeadm <= v1.23 copied its IPv6DualStack gate into kube-proxy's (the user's own value wins).
  if ("IPv6DualStack" in info.featureGates && dual !== undefined && !("IPv6DualStack" in gates)) {
    gates.IPv6DualStack = dual;
  }
  if (Object.keys(gates).length > 0) c.featureGates = gates;
  else delete c.featureGates;
  return { apiVersion: "kubeproxy.config.k8s.io/v1alpha1", kind: "KubeProxyConfiguration", ...c };
}
