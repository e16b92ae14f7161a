/**
 * addon/coredns with `dns.type: kube-dns` (kubeadm up to v1.20, phases/addons/dns: kubeDNSAddon): the
 * ServiceAccount kube-dns, the Deployment kube-dns (containers kubedns, dnsmasq, sidecar; one replica)
 * and the kube-dns Service at the 10th address of the service subnet (the same KubeDNSService template
 * CoreDNS uses). kubeadm creates no kube-dns ConfigMap: the Deployment mounts an optional one, so that a
 * user's stubDomains/upstreamNameservers are honoured when present. kube-dns support ended in v1.21.
 *
 * Checked against kubeadm's KubeDNSDeployment template and kubeDNSAddon of the v1.20 line (manifests.go
 * and dns.go as carried by the v1.20-based fork bobsongplus/kubernetes, commits 2b671e1d and 18304d4c;
 * upstream kubernetes/kubernetes dns.go 03f2b63a for the pre-1.20 flow): no nodeSelector, no affinity,
 * tolerations CriticalAddonsOnly plus the master and control-plane NoSchedule taints (kubeadm#2200, v1.20).
 */
import type { InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { kubeDnsImages } from "../images.ts";
import { dnsServiceIP } from "../net.ts";
import { corednsObjects } from "./coredns.ts";
import { KUBE_SYSTEM, type KubeObject, meta, type Step } from "./types.ts";

/** The last minor whose kubeadm can deploy kube-dns (kubernetes#96024 removed it in v1.21). */
export const LAST_KUBE_DNS_MINOR = 20;

export interface KubeDnsObjects {
  readonly serviceAccount: KubeObject;
  readonly deployment: KubeObject;
  readonly service: KubeObject;
  /** Objects in kubeadm's creation order, then its deprecation warning and `Applied essential addon`. */
  readonly steps: readonly Step[];
}

const K8S_APP = { "k8s-app": "kube-dns" } as const;

/** A liveness probe the way the kube-dns template writes them (delay 60, timeout 5, success 1, failure 5). */
function liveness(path: string, port: number): Record<string, unknown> {
  return {
    failureThreshold: 5,
    httpGet: { path, port, scheme: "HTTP" },
    initialDelaySeconds: 60,
    successThreshold: 1,
    timeoutSeconds: 5,
  };
}

function deployment(cfg: InitConfig, info: MinorInfo, replicas: number): KubeObject {
  const domain = cfg.cluster.networking.dnsDomain;
  const ipv6 = dnsServiceIP(cfg.cluster.networking.serviceSubnet).includes(":");
  const bind = ipv6 ? "::1" : "127.0.0.1";
  const probe = ipv6 ? "[::1]" : "127.0.0.1";
  const images = kubeDnsImages(cfg, info);
  const kubedns = {
    args: [`--domain=${domain}.`, "--dns-port=10053", "--config-dir=/kube-dns-config", "--v=2"],
    env: [{ name: "PROMETHEUS_PORT", value: "10055" }],
    image: images.kubeDns,
    imagePullPolicy: "IfNotPresent",
    livenessProbe: liveness("/healthcheck/kubedns", 10054),
    name: "kubedns",
    ports: [
      { containerPort: 10053, name: "dns-local", protocol: "UDP" },
      { containerPort: 10053, name: "dns-tcp-local", protocol: "TCP" },
      { containerPort: 10055, name: "metrics", protocol: "TCP" },
    ],
    readinessProbe: {
      httpGet: { path: "/readiness", port: 8081, scheme: "HTTP" },
      initialDelaySeconds: 3,
      timeoutSeconds: 5,
    },
    resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
    volumeMounts: [{ mountPath: "/kube-dns-config", name: "kube-dns-config" }],
  };
  const dnsmasq = {
    args: [
      "-v=2",
      "-logtostderr",
      "-configDir=/etc/k8s/dns/dnsmasq-nanny",
      "-restartDnsmasq=true",
      "--",
      "-k",
      "--cache-size=1000",
      "--no-negcache",
      "--dns-loop-detect",
      "--log-facility=-",
      `--server=/${domain}/${bind}#10053`,
      `--server=/in-addr.arpa/${bind}#10053`,
      `--server=/ip6.arpa/${bind}#10053`,
    ],
    image: images.dnsmasqNanny,
    imagePullPolicy: "IfNotPresent",
    livenessProbe: liveness("/healthcheck/dnsmasq", 10054),
    name: "dnsmasq",
    ports: [
      { containerPort: 53, name: "dns", protocol: "UDP" },
      { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
    ],
    resources: { requests: { cpu: "150m", memory: "20Mi" } },
    volumeMounts: [{ mountPath: "/etc/k8s/dns/dnsmasq-nanny", name: "kube-dns-config" }],
  };
  const sidecar = {
    args: [
      "--v=2",
      "--logtostderr",
      `--probe=kubedns,${probe}:10053,kubernetes.default.svc.${domain},5,SRV`,
      `--probe=dnsmasq,${probe}:53,kubernetes.default.svc.${domain},5,SRV`,
    ],
    image: images.sidecar,
    imagePullPolicy: "IfNotPresent",
    livenessProbe: liveness("/metrics", 10054),
    name: "sidecar",
    ports: [{ containerPort: 10054, name: "metrics", protocol: "TCP" }],
    resources: { requests: { cpu: "10m", memory: "20Mi" } },
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("kube-dns", KUBE_SYSTEM, { labels: K8S_APP }),
    spec: {
      replicas,
      selector: { matchLabels: K8S_APP },
      strategy: { rollingUpdate: { maxSurge: "10%", maxUnavailable: 0 } },
      template: {
        metadata: { creationTimestamp: null, labels: K8S_APP },
        spec: {
          containers: [kubedns, dnsmasq, sidecar],
          dnsPolicy: "Default",
          priorityClassName: "system-cluster-critical",
          serviceAccountName: "kube-dns",
          tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { effect: "NoSchedule", key: "node-role.kubernetes.io/master" },
            { effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane" },
          ],
          volumes: [{ configMap: { name: "kube-dns", optional: true }, name: "kube-dns-config" }],
        },
      },
    },
    status: {},
  };
}

/**
 * @param replicas kubeadm keeps the replica count of an existing kube-dns Deployment; 1 otherwise.
 */
export function kubeDnsObjects(cfg: InitConfig, info: MinorInfo, replicas = 1): KubeDnsObjects {
  const sa: KubeObject = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta("kube-dns", KUBE_SYSTEM),
  };
  const deploy = deployment(cfg, info, replicas);
  // kubeadm v1.20 renders one KubeDNSService template for both DNS addons.
  const service = corednsObjects(cfg, info).service;
  return {
    serviceAccount: sa,
    deployment: deploy,
    service,
    steps: [
      { objects: [sa, deploy, service] },
      {
        line: "[addons] WARNING: kube-dns is deprecated and will not be supported in a future version\n" +
          "[addons] Applied essential addon: kube-dns",
        objects: [],
      },
    ],
  };
}
