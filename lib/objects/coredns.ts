/**
 * addon/coredns (kubeadm's phases/addons/dns, manifests.go per release): ConfigMap (Corefile),
 * ClusterRole/Binding system:coredns, ServiceAccount, Deployment and the kube-dns Service at the 10th
 * address of the service subnet. Per-minor switches are in `corednsFlavour` with their sources.
 */
import type { InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { corednsImage } from "../images.ts";
import { dnsServiceIP } from "../net.ts";
import {
  binding,
  type ConfigMap,
  configMap,
  KUBE_SYSTEM,
  type KubeObject,
  meta,
  type PolicyRule,
  role,
  serviceAccount,
  type Step,
} from "./types.ts";

export interface CorednsFlavour {
  /** ClusterRole keeps `get nodes` (removed by kubernetes#117521, v1.28). */
  readonly getNodes: boolean;
  /** ClusterRole lists/watches discovery.k8s.io endpointslices (CoreDNS >= 1.8.1; kubeadm v1.22). */
  readonly endpointSlices: boolean;
  /** preferred podAntiAffinity on kubernetes.io/hostname (kubernetes#110593, v1.25). */
  readonly antiAffinity: boolean;
  /** toleration for the old node-role.kubernetes.io/master taint (dropped by kubernetes#112008, v1.26). */
  readonly masterToleration: boolean;
  /** capabilities.drop "ALL" instead of "all" (kubernetes#121351/#121384, v1.29). */
  readonly dropUpper: boolean;
  /** named probe ports liveness-probe/readiness-probe (kubernetes#131587, v1.34). */
  readonly namedProbePorts: boolean;
  /** Service label kubernetes.io/name: "CoreDNS" instead of "KubeDNS" (kube-dns removal, v1.21). */
  readonly serviceNameCoreDNS: boolean;
  /** `cache 30 { disable success/denial <domain> }` (kubernetes#128359). */
  readonly cacheDisableClusterDomain: boolean;
}

export function corednsFlavour(minor: number): CorednsFlavour {
  return {
    getNodes: minor <= 27,
    // v1.22 ships CoreDNS v1.8.4, which lists EndpointSlices (kubernetes#101955, milestone v1.22); kubeadm
    // v1.21.2 lacked the rule (aws/eks-distro#545: CoreDNS 1.8.3 forbidden to list endpointslices).
    endpointSlices: minor >= 22,
    antiAffinity: minor >= 25,
    masterToleration: minor <= 25,
    dropUpper: minor >= 29,
    namedProbePorts: minor >= 34,
    // unverified: v1.21 assumed (v1.20 transcript "KubeDNS", v1.24 transcript "CoreDNS")
    serviceNameCoreDNS: minor >= 21,
    // unverified: PR opened 2024-10-27; v1.33 assumed as its first release
    cacheDisableClusterDomain: minor >= 33,
  };
}

export interface CorednsObjects {
  readonly configMap: ConfigMap;
  readonly clusterRole: KubeObject;
  readonly clusterRoleBinding: KubeObject;
  readonly serviceAccount: KubeObject;
  readonly deployment: KubeObject;
  readonly service: KubeObject;
  /** Objects in kubeadm's creation order, then the `[addons] Applied essential addon: CoreDNS` line. */
  readonly steps: readonly Step[];
}

export function corefile(dnsDomain: string, f: CorednsFlavour): string {
  const cache = f.cacheDisableClusterDomain
    ? [`cache 30 {`, `   disable success ${dnsDomain}`, `   disable denial ${dnsDomain}`, `}`]
    : ["cache 30"];
  const body = [
    "errors",
    "health {",
    "   lameduck 5s",
    "}",
    "ready",
    `kubernetes ${dnsDomain} in-addr.arpa ip6.arpa {`,
    "   pods insecure",
    "   fallthrough in-addr.arpa ip6.arpa",
    "   ttl 30",
    "}",
    "prometheus :9153",
    "forward . /etc/resolv.conf {",
    "   max_concurrent 1000",
    "}",
    ...cache,
    "loop",
    "reload",
    "loadbalance",
  ];
  return `.:53 {\n${body.map((l) => `    ${l}\n`).join("")}}\n`;
}

const K8S_APP = { "k8s-app": "kube-dns" } as const;

function clusterRoleRules(f: CorednsFlavour): PolicyRule[] {
  const rules: PolicyRule[] = [{
    apiGroups: [""],
    resources: ["endpoints", "services", "pods", "namespaces"],
    verbs: ["list", "watch"],
  }];
  if (f.getNodes) rules.push({ apiGroups: [""], resources: ["nodes"], verbs: ["get"] });
  if (f.endpointSlices) {
    rules.push({ apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] });
  }
  return rules;
}

function deployment(cfg: InitConfig, info: MinorInfo, f: CorednsFlavour, replicas: number): KubeObject {
  const ports: Record<string, unknown>[] = [
    { containerPort: 53, name: "dns", protocol: "UDP" },
    { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
    { containerPort: 9153, name: "metrics", protocol: "TCP" },
  ];
  if (f.namedProbePorts) {
    ports.push(
      { containerPort: 8080, name: "liveness-probe", protocol: "TCP" },
      { containerPort: 8181, name: "readiness-probe", protocol: "TCP" },
    );
  }
  const tolerations: Record<string, unknown>[] = [{ key: "CriticalAddonsOnly", operator: "Exists" }];
  if (f.masterToleration) tolerations.push({ effect: "NoSchedule", key: "node-role.kubernetes.io/master" });
  tolerations.push({ effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane" });
  const spec: Record<string, unknown> = {
    containers: [{
      args: ["-conf", "/etc/coredns/Corefile"],
      image: corednsImage(cfg, info),
      imagePullPolicy: "IfNotPresent",
      livenessProbe: {
        failureThreshold: 5,
        httpGet: { path: "/health", port: f.namedProbePorts ? "liveness-probe" : 8080, scheme: "HTTP" },
        initialDelaySeconds: 60,
        successThreshold: 1,
        timeoutSeconds: 5,
      },
      name: "coredns",
      ports,
      readinessProbe: {
        httpGet: { path: "/ready", port: f.namedProbePorts ? "readiness-probe" : 8181, scheme: "HTTP" },
      },
      resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { add: ["NET_BIND_SERVICE"], drop: [f.dropUpper ? "ALL" : "all"] },
        readOnlyRootFilesystem: true,
      },
      volumeMounts: [{ mountPath: "/etc/coredns", name: "config-volume", readOnly: true }],
    }],
    dnsPolicy: "Default",
    nodeSelector: { "kubernetes.io/os": "linux" },
    priorityClassName: "system-cluster-critical",
    serviceAccountName: "coredns",
    tolerations,
    volumes: [{
      configMap: { items: [{ key: "Corefile", path: "Corefile" }], name: "coredns" },
      name: "config-volume",
    }],
  };
  if (f.antiAffinity) {
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          podAffinityTerm: {
            labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: ["kube-dns"] }] },
            topologyKey: "kubernetes.io/hostname",
          },
          weight: 100,
        }],
      },
    };
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("coredns", KUBE_SYSTEM, { labels: K8S_APP }),
    spec: {
      replicas,
      selector: { matchLabels: K8S_APP },
      strategy: { rollingUpdate: { maxUnavailable: 1 }, type: "RollingUpdate" },
      template: { metadata: { creationTimestamp: null, labels: K8S_APP }, spec },
    },
    status: {},
  };
}

/**
 * @param replicas kubeadm keeps the replica count of an existing coredns Deployment; 2 otherwise.
 */
export function corednsObjects(cfg: InitConfig, info: MinorInfo, replicas = 2): CorednsObjects {
  const f = corednsFlavour(info.minor);
  const cm = configMap(meta("coredns", KUBE_SYSTEM), {
    Corefile: corefile(cfg.cluster.networking.dnsDomain, f),
  });
  const clusterRole = role("ClusterRole", meta("system:coredns"), clusterRoleRules(f));
  const clusterRoleBinding = binding(
    "ClusterRoleBinding",
    meta("system:coredns"),
    { kind: "ClusterRole", name: "system:coredns" },
    [serviceAccount("coredns")],
  );
  const sa: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("coredns", KUBE_SYSTEM) };
  const deploy = deployment(cfg, info, f, replicas);
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("kube-dns", KUBE_SYSTEM, {
      annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
      labels: {
        ...K8S_APP,
        "kubernetes.io/cluster-service": "true",
        "kubernetes.io/name": f.serviceNameCoreDNS ? "CoreDNS" : "KubeDNS",
      },
      // kubeadm's template sets it so that an update between versions validates.
      resourceVersion: "0",
    }),
    spec: {
      clusterIP: dnsServiceIP(cfg.cluster.networking.serviceSubnet),
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
      ],
      selector: K8S_APP,
    },
    status: { loadBalancer: {} },
  };
  return {
    configMap: cm,
    clusterRole,
    clusterRoleBinding,
    serviceAccount: sa,
    deployment: deploy,
    service,
    steps: [
      { objects: [cm, clusterRole, clusterRoleBinding, sa, deploy, service] },
      { line: "[addons] Applied essential addon: CoreDNS", objects: [] },
    ],
  };
}
