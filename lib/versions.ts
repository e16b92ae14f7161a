/**
 * Per-minor facts about kubeadm, v1.20 to v1.34: one row per minor, read by every renderer.
 * Data only (plus tiny lookups); invariants are tested in tests/versions_test.ts.
 * Sources for every value (file, commit, PR) are in /work/notes/versions-research.md.
 * Values that could not be confirmed carry an `// unverified:` comment saying what was assumed.
 */
import type { Taint } from "./model.ts";

export const OLDEST_MINOR = 20;
export const NEWEST_MINOR = 34;

/** The version `kadm init` uses when none is given (no network look-up, unlike kubeadm's stable-1). */
export const DEFAULT_KUBERNETES_VERSION = "v1.34.7";

export type ConfigAPI = "v1beta2" | "v1beta3" | "v1beta4";

/** `[firstPatch, value]` pairs, ascending; read with `byPatch`. */
export type PatchList<T> = readonly (readonly [number, T])[];

export interface MinorInfo {
  readonly minor: number;
  /** Newest patch release of this minor that kadm knows, e.g. "v1.20.15". */
  readonly latestPatch: string;
  /** Default etcd image tag, with later patches' bumps: [firstPatch, tag] ascending. */
  readonly etcd: PatchList<string>;
  /** CoreDNS image tag ("1.7.0" for v1.20, "v1.8.0" style after), with patch bumps like etcd. */
  readonly coredns: PatchList<string>;
  /** pause image tag (kubeadm's constants.PauseVersion). */
  readonly pause: string;
  /**
   * Added: the default registry per patch. v1.22.17, v1.23.15 and v1.24.9 switched from k8s.gcr.io to
   * registry.k8s.io (kubeadm-scoped backports of kubernetes#109938/#110343).
   */
  readonly defaultImageRepositoryByPatch: PatchList<string>;
  /**
   * Added: CoreDNS image path under the default repository: "coredns" (v1.20: k8s.gcr.io/coredns:1.7.0),
   * "coredns/coredns" from v1.21. A custom imageRepository always gets "<repo>/coredns".
   */
  readonly corednsImageName: string;
  /** Format kubeadm of this minor reads from the kubeadm-config ConfigMap. */
  readonly configAPI: ConfigAPI;
  /** Labels mark-control-plane puts on the node, in the order kubeadm lists them. */
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
  /**
   * How `--dry-run` prints API calls. "classic" (up to v1.31): `Resource name: "x"`, objects tab-indented,
   * patches shown. "v1.32" (kubernetes#126776's DryRun client, util/apiclient/dryrun.go): `Resource name "x",
   * namespace "ns"`, "Real object does not exist ..." for GET/LIST, objects unindented and followed by a
   * blank line, patches not shown but the fake patched Node is. unverified: the v1.32 boundary (the file is
   * from 2024; kubeadm's v1.32 cycle).
   */
  readonly dryRunStyle: "classic" | "v1.32";

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
  /** CA certificates carry their CN as a DNS SAN (kubernetes#100324, v1.22). */
  readonly caCNAsSAN: boolean;
  /** CA serial numbers are random instead of 0 (kubernetes#117791, v1.28). */
  readonly caRandomSerial: boolean;
  /** CA notBefore is backdated 5 minutes (kubernetes#118922, v1.28; patch backports to 1.25-1.27 not modelled). */
  readonly caBackdate: boolean;
  /** Leaf certificates carry BasicConstraints CA:false (NewSignedCert with isCA, v1.21+). */
  readonly leafBasicConstraints: boolean;

  // --- kubeconfig ---
  /** kubelet.conf points at the local API endpoint (ControlPlaneKubeletLocalMode default on). */
  readonly kubeletConfLocal: boolean;

  // --- static Pod manifests ---
  /** kube-apiserver gets --insecure-port=0 (v1.20, v1.21). */
  readonly apiserverInsecurePortZero: boolean;
  /** kube-controller-manager and kube-scheduler get --port=0 (v1.20 - v1.22). */
  readonly componentPortZero: boolean;
  /** Pods carry securityContext.seccompProfile.type: RuntimeDefault. */
  readonly seccompRuntimeDefault: boolean;
  /** etcd probe style: v1.20 "/health"; "serializable" (1.25-1.30); "livez" (1.31+). */
  readonly etcdProbe: "health" | "serializable" | "livez";
  /** Added: the request per patch; removed in v1.22 and backported to v1.20.8 and v1.21.2. */
  readonly etcdEphemeralStorageByPatch: PatchList<boolean>;
  /** Added: the same per patch; --experimental-initial-corrupt-check was backported to v1.22.10/v1.23.7. */
  readonly etcdCorruptCheckByPatch: PatchList<boolean>;

  // --- kubelet files ---
  /** kubeadm-flags.env carries --container-runtime=remote (non-docker runtimes, up to v1.26). */
  readonly kubeletContainerRuntimeRemote: boolean;
  /**
   * kubeadm-flags.env carries --pod-infra-container-image for every runtime. v1.20 passes it only with
   * the dockershim socket (together with --network-plugin=cni); from v1.21 it is passed for all runtimes.
   */
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

/** The registry kubeadm of this version uses by default (it moved to registry.k8s.io in late patches). */
export function defaultImageRepository(info: MinorInfo, patch: number): string {
  return byPatch(info.defaultImageRepositoryByPatch, patch);
}

/** Picks the row entry that applies to `patch` from a `[firstPatch, value]` list. */
export function byPatch<T>(list: PatchList<T>, patch: number): T {
  let out: T | undefined;
  for (const [from, v] of list) if (patch >= from) out = v;
  if (out === undefined) throw new Error("internal: empty per-patch list");
  return out;
}

const MASTER_LABEL = "node-role.kubernetes.io/master";
const CP_LABEL = "node-role.kubernetes.io/control-plane";
const EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
const MASTER_TAINT: Taint = { key: MASTER_LABEL, effect: "NoSchedule" };
const CP_TAINT: Taint = { key: CP_LABEL, effect: "NoSchedule" };
const K8S_GCR = "k8s.gcr.io";
const REGISTRY_K8S = "registry.k8s.io";

/**
 * v1.19 - v1.25 (kubelet-start moved after kubeconfig in v1.19, kubernetes#90892). `selfhosting` is
 * kadm's (kubeadm v1.9 - v1.12 ran self-hosting last, after the addons); it does nothing unless the
 * SelfHosting gate is on.
 */
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
  "selfhosting",
] as const;

/**
 * v1.26 - v1.27: show-join-command split out of init as its own last phase (kubernetes#111512,
 * CHANGELOG-1.26.md "v1.26.0-alpha.1").
 */
const ORDER_1_26 = [...ORDER_1_20, "show-join-command"] as const;

/**
 * v1.28+: etcd and control-plane manifests are written before the kubelet starts (kubernetes#117984,
 * CHANGELOG-1.28.md "v1.28.0-alpha.1": "kubelet-start phase is now after etcd and control-plane phases";
 * real transcripts: v1.27.6 still kubelet-start first, v1.28.2 and v1.29.0 etcd first).
 */
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
  "selfhosting",
  "show-join-command",
] as const;

/**
 * The phases that talk to the API server (wait-control-plane onwards), as named by the newest minor:
 * what `--skip-phases` leaves out to run only the offline half.
 */
export const API_PHASES: readonly string[] = ORDER_MODERN.slice(ORDER_MODERN.indexOf("wait-control-plane"));

/** Non-pointer metav1.Duration fields of KubeletConfiguration v1beta1 that marshal as "0s" (v1.20 exact). */
const ZERO_DURATIONS_1_20 = [
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
] as const;

function zeroDurations(minor: number): readonly string[] {
  // imageMaximumGCAge (metav1.Duration, ImageMaximumGCAge alpha) is marshalled from v1.29.
  return minor >= 29 ? [...ZERO_DURATIONS_1_20, "imageMaximumGCAge"].sort() : ZERO_DURATIONS_1_20;
}

function zeroFields(minor: number): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // v1.20 - v1.22: `logging: {}` (real v1.22.2 `config print` dumps); flushFrequency/verbosity/options.json
  // from v1.23 (a kubeadm v1.23.0 dump); options.text from v1.30 (a v1.29 config.yaml, with
  // imageMaximumGCAge, is still json-only; v1.30+ dumps carry text).
  if (minor < 23) out.logging = {};
  else {
    const options: Record<string, unknown> = { json: { infoBufferSize: "0" } };
    if (minor >= 30) options.text = { infoBufferSize: "0" };
    out.logging = { flushFrequency: 0, options, verbosity: 0 };
  }
  if (minor >= 22) out.memorySwap = {}; // MemorySwapConfiguration struct (NodeSwap, v1.22)
  if (minor >= 27) out.containerRuntimeEndpoint = ""; // string without omitempty (v1.27)
  // CrashLoopBackOffConfig (KubeletCrashLoopBackOffMax, alpha v1.32: kubernetes/website feature-gate page).
  if (minor >= 32) out.crashLoopBackOff = {};
  return out;
}

/** The facts that are explicit per minor; everything else is derived in `row` from documented boundaries. */
interface Spec {
  readonly minor: number;
  readonly latestPatch: string;
  readonly etcd: PatchList<string>;
  readonly coredns: PatchList<string>;
  readonly pause: string;
  readonly featureGates: Readonly<Record<string, boolean>>;
  readonly registry?: PatchList<string>;
  readonly ephemeral?: PatchList<boolean>;
  readonly corrupt?: PatchList<boolean>;
}

function row(s: Spec): MinorInfo {
  const m = s.minor;
  const registry = s.registry ?? [[0, m >= 25 ? REGISTRY_K8S : K8S_GCR]];
  const ephemeral = s.ephemeral ?? [[0, false]];
  const corrupt = s.corrupt ?? [[0, m >= 24]];
  const cgroupSystemd = m >= 21;
  return {
    minor: m,
    latestPatch: s.latestPatch,
    etcd: s.etcd,
    coredns: s.coredns,
    pause: s.pause,
    defaultImageRepositoryByPatch: registry,
    corednsImageName: m >= 21 ? "coredns/coredns" : "coredns",
    configAPI: m <= 21 ? "v1beta2" : m <= 30 ? "v1beta3" : "v1beta4",
    controlPlaneLabels: m === 20
      ? [MASTER_LABEL, CP_LABEL]
      : m <= 23
      ? [MASTER_LABEL, CP_LABEL, EXCLUDE_LB_LABEL]
      : [CP_LABEL, EXCLUDE_LB_LABEL],
    controlPlaneTaints: m <= 23 ? [MASTER_TAINT] : m === 24 ? [MASTER_TAINT, CP_TAINT] : [CP_TAINT],
    superAdmin: m >= 29,
    phaseOrder: m <= 25 ? ORDER_1_20 : m <= 27 ? ORDER_1_26 : ORDER_MODERN,
    kubeletConfigMapName: m <= 23 ? `kubelet-config-1.${m}` : "kubelet-config",
    featureGates: s.featureGates,
    dryRunStyle: m <= 31 ? "classic" : "v1.32",
    certOrgs: m <= 28
      ? {
        apiserverKubeletClient: ["system:masters"],
        apiserverEtcdClient: ["system:masters"],
        etcdHealthcheckClient: ["system:masters"],
        admin: ["system:masters"],
      }
      : {
        apiserverKubeletClient: ["kubeadm:cluster-admins"],
        apiserverEtcdClient: [],
        etcdHealthcheckClient: [],
        admin: ["kubeadm:cluster-admins"],
      },
    // certlist.go GetConfig backdates every cert by CertificateBackdate from StartTimeUTC(); both arrive with
    // the v1beta4 validity fields of kubernetes#124652 (merged 2024-05, v1.31). unverified: that v1.30
    // leaves were not backdated (no v1.30 certlist.go seen).
    certBackdate: m >= 31,
    caCNAsSAN: m >= 22,
    caRandomSerial: m >= 28,
    caBackdate: m >= 28,
    leafBasicConstraints: m >= 21, // kubernetes#97266 (v1.21) added isCA/BasicConstraintsValid
    kubeletConfLocal: m >= 33,
    apiserverInsecurePortZero: m <= 21,
    componentPortZero: m <= 22,
    seccompRuntimeDefault: m >= 22,
    // kubernetes#110072/#110744 are v1.25; no release-1.24 cherry-pick found, and real v1.24 etcd.yaml files
    // (k8s.gcr.io/etcd:3.5.3-0) probe plain /health. unverified: the late v1.24 patches (3.5.6-0).
    etcdProbe: m <= 24 ? "health" : m <= 30 ? "serializable" : "livez",
    etcdEphemeralStorageByPatch: ephemeral,
    etcdCorruptCheckByPatch: corrupt,
    kubeletContainerRuntimeRemote: m <= 26,
    kubeletPodInfraImage: m >= 21,
    criSocketURL: m >= 24,
    nodeLocalCRISocket: m >= 34,
    defaultCRISocket: m <= 23 ? "/var/run/dockershim.sock" : "unix:///var/run/containerd/containerd.sock",
    kubeletCgroupDriverSystemd: cgroupSystemd,
    kubeletZeroDurations: zeroDurations(m),
    kubeletZeroFields: zeroFields(m),
  };
}

const ECDSA = { PublicKeysECDSA: false } as const;
const ROOTLESS = { RootlessControlPlane: false } as const;

export const MINORS: readonly MinorInfo[] = [
  row({
    minor: 20,
    latestPatch: "v1.20.15",
    etcd: [[0, "3.4.13-0"]],
    coredns: [[0, "1.7.0"]],
    pause: "3.2",
    featureGates: { IPv6DualStack: false, ...ECDSA },
    ephemeral: [[0, true], [8, false]],
  }),
  row({
    minor: 21,
    latestPatch: "v1.21.14",
    etcd: [[0, "3.4.13-0"]],
    coredns: [[0, "v1.8.0"]],
    pause: "3.4.1",
    featureGates: { IPv6DualStack: true, ...ECDSA },
    ephemeral: [[0, true], [2, false]],
  }),
  row({
    minor: 22,
    latestPatch: "v1.22.17",
    etcd: [[0, "3.5.0-0"], [17, "3.5.6-0"]],
    coredns: [[0, "v1.8.4"]],
    pause: "3.5",
    featureGates: { IPv6DualStack: true, ...ECDSA, ...ROOTLESS, UnversionedKubeletConfigMap: false },
    registry: [[0, K8S_GCR], [17, REGISTRY_K8S]],
    // kubernetes#109076 (release-1.22) was approved with its release-1.23 twin #109075, which
    // kubernetes/kubernetes@c9323ab CHANGELOG-1.23.md lists under v1.23.7; v1.22.10 shipped the same day.
    corrupt: [[0, false], [10, true]],
  }),
  row({
    minor: 23,
    latestPatch: "v1.23.17",
    etcd: [[0, "3.5.1-0"], [14, "3.5.5-0"], [15, "3.5.6-0"]],
    coredns: [[0, "v1.8.6"]],
    pause: "3.6",
    featureGates: { IPv6DualStack: true, ...ECDSA, ...ROOTLESS, UnversionedKubeletConfigMap: false },
    registry: [[0, K8S_GCR], [15, REGISTRY_K8S]],
    // kubernetes#109075: kubernetes/kubernetes@c9323ab CHANGELOG-1.23.md, "Changelog since v1.23.6" (v1.23.7).
    corrupt: [[0, false], [7, true]],
  }),
  row({
    minor: 24,
    latestPatch: "v1.24.17",
    etcd: [[0, "3.5.3-0"], [8, "3.5.5-0"], [9, "3.5.6-0"]],
    coredns: [[0, "v1.8.6"]],
    pause: "3.7",
    featureGates: { ...ECDSA, ...ROOTLESS, UnversionedKubeletConfigMap: true },
    // kubernetes#113395 (release-1.24 registry.k8s.io backport, merged late Nov 2022) ships with the December
    // patches (kubermatic/kubeone#2459); etcd 3.5.6-0 (#114106) is the same v1.24.9 wave (kubekey#2952 table).
    registry: [[0, K8S_GCR], [9, REGISTRY_K8S]],
  }),
  row({
    minor: 25,
    latestPatch: "v1.25.16",
    etcd: [[0, "3.5.4-0"], [4, "3.5.5-0"], [5, "3.5.6-0"], [15, "3.5.9-0"]],
    coredns: [[0, "v1.9.3"]],
    pause: "3.8",
    featureGates: { ...ECDSA, ...ROOTLESS, UnversionedKubeletConfigMap: true },
  }),
  row({
    minor: 26,
    latestPatch: "v1.26.15",
    etcd: [[0, "3.5.6-0"], [10, "3.5.9-0"], [13, "3.5.10-0"]],
    coredns: [[0, "v1.9.3"]],
    pause: "3.9",
    featureGates: { ...ECDSA, ...ROOTLESS },
  }),
  row({
    minor: 27,
    latestPatch: "v1.27.16",
    etcd: [[0, "3.5.7-0"], [7, "3.5.9-0"], [10, "3.5.10-0"], [12, "3.5.12-0"]],
    coredns: [[0, "v1.10.1"]],
    pause: "3.9",
    featureGates: { EtcdLearnerMode: false, ...ECDSA, ...ROOTLESS },
  }),
  row({
    minor: 28,
    latestPatch: "v1.28.15",
    etcd: [[0, "3.5.9-0"], [6, "3.5.10-0"], [8, "3.5.12-0"], [14, "3.5.15-0"]],
    coredns: [[0, "v1.10.1"]],
    pause: "3.9",
    featureGates: { EtcdLearnerMode: false, ...ECDSA, ...ROOTLESS, UpgradeAddonsBeforeControlPlane: false },
  }),
  row({
    minor: 29,
    // Final: `kubeadm upgrade plan` in May 2025 (remote v1.33.0, "falling back to: stable-1.29") targets v1.29.15.
    latestPatch: "v1.29.15",
    // 3.5.16-0 from v1.29.11: kubernetes#127951 (release-1.29, merged 2024-11; its 1.30/1.31 twins
    // #127953/#127955 were closed, "1.30.8 ... still requesting 3.5.15" vs "1.29.11"), and the
    // constants.go-per-tag table in kubesphere/kubekey#2952 (3.5.16 for v1.29.11 - v1.29.15).
    etcd: [[0, "3.5.10-0"], [3, "3.5.12-0"], [9, "3.5.15-0"], [11, "3.5.16-0"]],
    coredns: [[0, "v1.11.1"]],
    pause: "3.9",
    featureGates: { EtcdLearnerMode: true, ...ECDSA, ...ROOTLESS, UpgradeAddonsBeforeControlPlane: false },
  }),
  row({
    minor: 30,
    // Final: `kubeadm init` with remote v1.35.3 "falling back to: stable-1.30" uses v1.30.14.
    latestPatch: "v1.30.14",
    etcd: [[0, "3.5.12-0"], [5, "3.5.15-0"]],
    coredns: [[0, "v1.11.1"], [5, "v1.11.3"]],
    pause: "3.9",
    featureGates: {
      EtcdLearnerMode: true,
      ...ECDSA,
      ...ROOTLESS,
      UpgradeAddonsBeforeControlPlane: false,
      WaitForAllControlPlaneComponents: false,
    },
  }),
  row({
    minor: 31,
    // Final: `kubeadm init` in Aug 2026 (remote v1.36.3, "falling back to: stable-1.31") uses v1.31.14.
    latestPatch: "v1.31.14",
    // 3.5.15-0 until 3.5.24-0 at v1.31.14: kubernetes#135020 (release-1.31, merged 2025-11); the
    // 3.5.16/3.5.17/3.5.21 cherry-picks (#127955, #129676, #131959) were closed unmerged. The
    // constants.go-per-tag table in kubesphere/kubekey#2952 gives 3.5.24 for v1.31.14.
    etcd: [[0, "3.5.15-0"], [14, "3.5.24-0"]],
    coredns: [[0, "v1.11.1"], [1, "v1.11.3"]],
    pause: "3.10",
    featureGates: {
      ControlPlaneKubeletLocalMode: false,
      EtcdLearnerMode: true,
      ...ECDSA,
      ...ROOTLESS,
      WaitForAllControlPlaneComponents: false,
    },
  }),
  row({
    minor: 32,
    // v1.32.11: seen in real kubeadm v1.32.11 `--v=5` logs (the stored CHANGELOG-1.32.md stops at v1.32.8).
    latestPatch: "v1.32.11",
    // 3.5.16-0 through v1.32.9: the 3.5.21 cherry-pick kubernetes#131958 was closed unmerged; 3.5.24-0
    // arrives in v1.32.10 (kubernetes#135019, kubesphere/kubekey#2952).
    etcd: [[0, "3.5.16-0"], [10, "3.5.24-0"]],
    coredns: [[0, "v1.11.3"]],
    pause: "3.10",
    // unverified: NodeLocalCRISocket left out (docs table says alpha 1.32, the v1.33 help is the first listing)
    featureGates: {
      ControlPlaneKubeletLocalMode: false,
      EtcdLearnerMode: true,
      ...ECDSA,
      ...ROOTLESS,
      WaitForAllControlPlaneComponents: false,
    },
  }),
  row({
    minor: 33,
    latestPatch: "v1.33.5", // newest in the stored CHANGELOG-1.33.md (3.5.24-0 arrives after it)
    etcd: [[0, "3.5.21-0"]],
    coredns: [[0, "v1.12.0"]],
    pause: "3.10",
    featureGates: {
      ControlPlaneKubeletLocalMode: true,
      NodeLocalCRISocket: false,
      ...ECDSA,
      ...ROOTLESS,
      WaitForAllControlPlaneComponents: true,
    },
  }),
  row({
    minor: 34,
    latestPatch: "v1.34.7",
    // unverified: 3.6.5-0 assumed from v1.34.2 (kubernetes#134251 backport); later 3.6.x bumps not tracked.
    etcd: [[0, "3.6.4-0"], [2, "3.6.5-0"]],
    coredns: [[0, "v1.12.1"]],
    pause: "3.10.1",
    featureGates: {
      ControlPlaneKubeletLocalMode: true,
      NodeLocalCRISocket: true,
      ...ECDSA,
      ...ROOTLESS,
      WaitForAllControlPlaneComponents: true,
    },
  }),
];
