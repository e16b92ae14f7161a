/**
 * Per-minor facts about kubeadm, v1.20 to v1.34: one row per minor, read by every renderer.
 * Data only (plus tiny lookups); invariants are tested in tests/versions_test.ts.
 */
import type { Taint } from "./model.ts";

export const OLDEST_MINOR = 20;
export const NEWEST_MINOR = 34;

/** The version `kadm init` uses when none is given (no network look-up, unlike kubeadm's stable-1). */
export const DEFAULT_KUBERNETES_VERSION = "v1.34.2";

export type ConfigAPI = "v1beta2" | "v1beta3" | "v1beta4";

export interface MinorInfo {
  readonly minor: number;
  /** Newest patch release of this minor that kadm knows, e.g. "v1.20.15". */
  readonly latestPatch: string;
  /** Default etcd image tag, with later patches' bumps: [firstPatch, tag] ascending. */
  readonly etcd: readonly (readonly [number, string])[];
  /** CoreDNS image tag ("1.7.0" for v1.20, "v1.8.0" style after), with patch bumps like etcd. */
  readonly coredns: readonly (readonly [number, string])[];
  /** pause image tag (kubeadm's constants.PauseVersion). */
  readonly pause: string;
  /** Default image registry of kubeadm of this minor. */
  readonly defaultImageRepository: string;
  /** Format kubeadm of this minor reads from the kubeadm-config ConfigMap. */
  readonly configAPI: ConfigAPI;
  /** Labels mark-control-plane puts on the node. */
  readonly controlPlaneLabels: readonly string[];
  /** Default nodeRegistration.taints for a control-plane node. */
  readonly controlPlaneTaints: readonly Taint[];
  /** super-admin.conf exists and admin.conf is in kubeadm:cluster-admins (v1.29+). */
  readonly superAdmin: boolean;
  /** Init phase order (top-level names) as kubeadm of this minor runs them. */
  readonly phaseOrder: readonly string[];
  /** The kubelet-config ConfigMap name: "kubelet-config-1.20" up to v1.23, "kubelet-config" after. */
  readonly kubeletConfigMapName: string;
  /** Feature gates kubeadm of this minor knows, with their defaults (unknown gate = error). */
  readonly featureGates: Readonly<Record<string, boolean>>;

  // --- certificates ---
  /** Organizations (O=) of client certificates, by certificate/kubeconfig name. */
  readonly certOrgs: {
    readonly apiserverKubeletClient: readonly string[];
    readonly apiserverEtcdClient: readonly string[];
    readonly etcdHealthcheckClient: readonly string[];
    readonly admin: readonly string[];
  };
  /** v1.31+: notBefore = start - 5 min for every certificate (kubeadm's CertificateBackdate). */
  readonly certBackdate: boolean;
  /** Leaf certificates carry BasicConstraints CA:false. */
  readonly leafBasicConstraints: boolean;

  // --- kubeconfig ---
  /** kubelet.conf points at the local API endpoint (ControlPlaneKubeletLocalMode default on). */
  readonly kubeletConfLocal: boolean;

  // --- static Pod manifests ---
  /** kube-apiserver gets --insecure-port=0. */
  readonly apiserverInsecurePortZero: boolean;
  /** kube-controller-manager and kube-scheduler get --port=0. */
  readonly componentPortZero: boolean;
  /** Pods carry securityContext.seccompProfile.type: RuntimeDefault. */
  readonly seccompRuntimeDefault: boolean;
  /** etcd probe style: v1.20 "/health"; "serializable" (1.22-1.30 style); "livez" (1.31+). */
  readonly etcdProbe: "health" | "serializable" | "livez";
  /** etcd requests ephemeral-storage: 100Mi. */
  readonly etcdEphemeralStorage: boolean;
  /** etcd gets the corrupt-check and watch-progress flags (their spelling depends on the etcd tag). */
  readonly etcdCorruptCheckFlags: boolean;

  // --- kubelet files ---
  /** kubeadm-flags.env carries --container-runtime=remote (dockershim era). */
  readonly kubeletContainerRuntimeRemote: boolean;
  /** kubeadm-flags.env carries --pod-infra-container-image. */
  readonly kubeletPodInfraImage: boolean;
  /** CRI socket written with the unix:// scheme (kubeadm adds it when missing). */
  readonly criSocketURL: boolean;
  /** NodeLocalCRISocket default on: socket in /var/lib/kubelet/instance-config.yaml, not the flags. */
  readonly nodeLocalCRISocket: boolean;
  /** Default CRI socket when none is detected. */
  readonly defaultCRISocket: string;
  /** kubelet config.yaml gets cgroupDriver: systemd when unset. */
  readonly kubeletCgroupDriverSystemd: boolean;
  /** Zero-valued duration fields the marshalled kubelet config.yaml carries ("0s"). */
  readonly kubeletZeroDurations: readonly string[];
  /** Other fields marshalled into config.yaml with their zero values, e.g. {logging: {...}, memorySwap: {}}. */
  readonly kubeletZeroFields: Readonly<Record<string, unknown>>;
}

export function minorInfo(minor: number): MinorInfo {
  const info = MINORS.find((m) => m.minor === minor);
  if (!info) throw new Error(`internal: no version data for v1.${minor}`);
  return info;
}

/** Picks the row entry that applies to `patch` from a `[firstPatch, value]` list. */
export function byPatch<T>(list: readonly (readonly [number, T])[], patch: number): T {
  let out: T | undefined;
  for (const [from, v] of list) if (patch >= from) out = v;
  if (out === undefined) throw new Error("internal: empty per-patch list");
  return out;
}

const MASTER_TAINT: Taint = { key: "node-role.kubernetes.io/master", effect: "NoSchedule" };
const CP_TAINT: Taint = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };

const ORDER_1_20 = [
  "preflight",
  "certs",
  "kubeconfig",
  "kubelet-start",
  "control-plane",
  "etcd",
  "wait-control-plane",
  "upload-config",
  "upload-certs",
  "mark-control-plane",
  "bootstrap-token",
  "kubelet-finalize",
  "addon",
] as const;

const ORDER_MODERN = [
  "preflight",
  "certs",
  "kubeconfig",
  "etcd",
  "control-plane",
  "kubelet-start",
  "wait-control-plane",
  "upload-config",
  "upload-certs",
  "mark-control-plane",
  "bootstrap-token",
  "kubelet-finalize",
  "addon",
  "show-join-command",
] as const;

// TODO(versions helper): fill v1.21 .. v1.33 from kubeadm's source; verify v1.20 and v1.34.
export const MINORS: readonly MinorInfo[] = [
  {
    minor: 20,
    latestPatch: "v1.20.15",
    etcd: [[0, "3.4.13-0"]],
    coredns: [[0, "1.7.0"]],
    pause: "3.2",
    defaultImageRepository: "k8s.gcr.io",
    configAPI: "v1beta2",
    controlPlaneLabels: ["node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"],
    controlPlaneTaints: [MASTER_TAINT],
    superAdmin: false,
    phaseOrder: ORDER_1_20,
    kubeletConfigMapName: "kubelet-config-1.20",
    featureGates: { IPv6DualStack: false, PublicKeysECDSA: false },
    certOrgs: {
      apiserverKubeletClient: ["system:masters"],
      apiserverEtcdClient: ["system:masters"],
      etcdHealthcheckClient: ["system:masters"],
      admin: ["system:masters"],
    },
    certBackdate: false,
    leafBasicConstraints: false,
    kubeletConfLocal: false,
    apiserverInsecurePortZero: true,
    componentPortZero: true,
    seccompRuntimeDefault: false,
    etcdProbe: "health",
    etcdEphemeralStorage: true,
    etcdCorruptCheckFlags: false,
    kubeletContainerRuntimeRemote: true,
    kubeletPodInfraImage: false,
    criSocketURL: false,
    nodeLocalCRISocket: false,
    defaultCRISocket: "/var/run/dockershim.sock",
    kubeletCgroupDriverSystemd: false,
    kubeletZeroDurations: [
      "authentication.webhook.cacheTTL",
      "authorization.webhook.cacheAuthorizedTTL",
      "authorization.webhook.cacheUnauthorizedTTL",
      "cpuManagerReconcilePeriod",
      "evictionPressureTransitionPeriod",
      "fileCheckFrequency",
      "httpCheckFrequency",
      "imageMinimumGCAge",
      "nodeStatusReportFrequency",
      "nodeStatusUpdateFrequency",
      "runtimeRequestTimeout",
      "shutdownGracePeriod",
      "shutdownGracePeriodCriticalPods",
      "streamingConnectionIdleTimeout",
      "syncFrequency",
      "volumeStatsAggPeriod",
    ],
    kubeletZeroFields: { logging: {} },
  },
  {
    minor: 34,
    latestPatch: "v1.34.2",
    etcd: [[0, "3.6.4-0"]],
    coredns: [[0, "v1.12.1"]],
    pause: "3.10.1",
    defaultImageRepository: "registry.k8s.io",
    configAPI: "v1beta4",
    controlPlaneLabels: [
      "node-role.kubernetes.io/control-plane",
      "node.kubernetes.io/exclude-from-external-load-balancers",
    ],
    controlPlaneTaints: [CP_TAINT],
    superAdmin: true,
    phaseOrder: ORDER_MODERN,
    kubeletConfigMapName: "kubelet-config",
    featureGates: {
      ControlPlaneKubeletLocalMode: true,
      NodeLocalCRISocket: true,
      PublicKeysECDSA: false,
      RootlessControlPlane: false,
      WaitForAllControlPlaneComponents: true,
    },
    certOrgs: {
      apiserverKubeletClient: ["kubeadm:cluster-admins"],
      apiserverEtcdClient: [],
      etcdHealthcheckClient: [],
      admin: ["kubeadm:cluster-admins"],
    },
    certBackdate: true,
    leafBasicConstraints: true,
    kubeletConfLocal: true,
    apiserverInsecurePortZero: false,
    componentPortZero: false,
    seccompRuntimeDefault: true,
    etcdProbe: "livez",
    etcdEphemeralStorage: false,
    etcdCorruptCheckFlags: true,
    kubeletContainerRuntimeRemote: false,
    kubeletPodInfraImage: false,
    criSocketURL: true,
    nodeLocalCRISocket: true,
    defaultCRISocket: "unix:///var/run/containerd/containerd.sock",
    kubeletCgroupDriverSystemd: true,
    kubeletZeroDurations: [
      "authentication.webhook.cacheTTL",
      "authorization.webhook.cacheAuthorizedTTL",
      "authorization.webhook.cacheUnauthorizedTTL",
      "cpuManagerReconcilePeriod",
      "evictionPressureTransitionPeriod",
      "fileCheckFrequency",
      "httpCheckFrequency",
      "imageMaximumGCAge",
      "imageMinimumGCAge",
      "nodeStatusReportFrequency",
      "nodeStatusUpdateFrequency",
      "runtimeRequestTimeout",
      "shutdownGracePeriod",
      "shutdownGracePeriodCriticalPods",
      "streamingConnectionIdleTimeout",
      "syncFrequency",
      "volumeStatsAggPeriod",
    ],
    kubeletZeroFields: {
      containerRuntimeEndpoint: "",
      crashLoopBackOff: {},
      logging: {
        flushFrequency: 0,
        options: { json: { infoBufferSize: "0" }, text: { infoBufferSize: "0" } },
        verbosity: 0,
      },
      memorySwap: {},
    },
  },
];
