/**
 * The one internal model every config dialect (v1alpha1 MasterConfiguration, v1beta2, v1beta3,
 * v1beta4, flags) is converted into, fully defaulted for the chosen Kubernetes version.
 * Shaped after kubeadm's internal API (cmd/kubeadm/app/apis/kubeadm/types.go).
 * Renderers read only this; they never see the user's YAML.
 */

/** One command-line argument of a component, as in v1beta4 (`--name=value`). */
export interface Arg {
  readonly name: string;
  readonly value: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

export interface HostPathMount {
  readonly name: string;
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  /** Kubernetes HostPathType; "" when unset. */
  readonly pathType: string;
}

export interface ControlPlaneComponent {
  /** User extra args in the order given; a name given here replaces kubeadm's default. */
  readonly extraArgs: readonly Arg[];
  readonly extraVolumes: readonly HostPathMount[];
  readonly extraEnvs: readonly EnvVar[];
}

export interface APIServer extends ControlPlaneComponent {
  readonly certSANs: readonly string[];
}

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface LocalEtcd {
  /** "" = the cluster's imageRepository. */
  readonly imageRepository: string;
  /** "" = the version table's etcd tag. */
  readonly imageTag: string;
  readonly dataDir: string;
  readonly extraArgs: readonly Arg[];
  readonly extraEnvs: readonly EnvVar[];
  readonly serverCertSANs: readonly string[];
  readonly peerCertSANs: readonly string[];
}

export interface ExternalEtcd {
  readonly endpoints: readonly string[];
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export type Etcd =
  | { readonly local: LocalEtcd; readonly external?: undefined }
  | { readonly external: ExternalEtcd; readonly local?: undefined };

export type EncryptionAlgorithm = "RSA-2048" | "RSA-3072" | "RSA-4096" | "ECDSA-P256" | "ECDSA-P384";

export interface Networking {
  readonly serviceSubnet: string;
  /** "" when not set. */
  readonly podSubnet: string;
  readonly dnsDomain: string;
}

export interface DNS {
  readonly type: "CoreDNS" | "kube-dns";
  readonly imageRepository: string;
  readonly imageTag: string;
  readonly disabled: boolean;
}

/** Timeouts in seconds (v1beta4 `timeouts`; older dialects only had timeoutForControlPlane). */
export interface Timeouts {
  readonly controlPlaneComponentHealthCheck: number;
  readonly kubeletHealthCheck: number;
  readonly kubernetesAPICall: number;
  readonly etcdAPICall: number;
  readonly tlsBootstrap: number;
  readonly discovery: number;
}

export interface ClusterConfig {
  /** Resolved, always `vX.Y.Z` (possibly with a pre-release suffix for CI builds). */
  readonly kubernetesVersion: string;
  /** "" when not set; host or host:port. */
  readonly controlPlaneEndpoint: string;
  readonly clusterName: string;
  readonly certificatesDir: string;
  readonly imageRepository: string;
  /** Whether imageRepository was chosen by the user (CoreDNS path differs for custom repos). */
  readonly imageRepositoryIsCustom: boolean;
  /** v1alpha1/v1beta2 `useHyperKubeImage` / `unifiedControlPlaneImage`: one image for all three components. */
  readonly unifiedControlPlaneImage: string;
  /** kubeadm CI builds (`ci/...` versions) use another registry. */
  readonly ciImageRepository: string;
  readonly featureGates: Readonly<Record<string, boolean>>;
  readonly networking: Networking;
  readonly apiServer: APIServer;
  readonly controllerManager: ControlPlaneComponent;
  readonly scheduler: ControlPlaneComponent;
  readonly etcd: Etcd;
  readonly dns: DNS;
  readonly proxy: { readonly disabled: boolean };
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  /** Seconds. kubeadm: 8760h and 87600h. */
  readonly certificateValidityPeriod: number;
  readonly caCertificateValidityPeriod: number;
  readonly timeouts: Timeouts;
  /** v1alpha1 `cloudProvider`: passed to apiserver and controller-manager as --cloud-provider. */
  readonly cloudProvider: string;
}

export interface BootstrapToken {
  /** `[a-z0-9]{6}.[a-z0-9]{16}` */
  readonly token: string;
  readonly description: string;
  /** Seconds; 0 = never expires. */
  readonly ttl: number;
  /** Absolute expiry (RFC 3339) when the config gave one instead of a TTL. */
  readonly expires: string;
  readonly usages: readonly string[];
  readonly groups: readonly string[];
  /** `kadm init` made the token up (none was given): only the first init creates it (phases/bootstraptoken.ts). */
  readonly generated: boolean;
}

export interface NodeRegistration {
  readonly name: string;
  /** "" = detect on the host (preflight). */
  readonly criSocket: string;
  /** null = the version's default control-plane taints; [] = none. */
  readonly taints: readonly Taint[] | null;
  readonly kubeletExtraArgs: readonly Arg[];
  readonly ignorePreflightErrors: readonly string[];
  readonly imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  readonly imagePullSerial: boolean;
}

export interface InitConfig {
  readonly cluster: ClusterConfig;
  readonly localAPIEndpoint: { readonly advertiseAddress: string; readonly bindPort: number };
  readonly nodeRegistration: NodeRegistration;
  readonly bootstrapTokens: readonly BootstrapToken[];
  /** "" = generated when needed. */
  readonly certificateKey: string;
  readonly skipPhases: readonly string[];
  /** "" = no patches. */
  readonly patchesDirectory: string;
  /** The user's KubeletConfiguration document (kubelet.config.k8s.io/v1beta1), if any, as parsed YAML. */
  readonly kubeletConfiguration: Readonly<Record<string, unknown>> | undefined;
  /** The user's KubeProxyConfiguration document (kubeproxy.config.k8s.io/v1alpha1), if any. */
  readonly kubeProxyConfiguration: Readonly<Record<string, unknown>> | undefined;
}

/** Parsed `vX.Y.Z[-pre]`. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre: string;
}

export function parseVersion(v: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.+-]+)?$/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? "" };
}

export function minorOf(cfg: { readonly kubernetesVersion: string }): number {
  const v = parseVersion(cfg.kubernetesVersion);
  if (!v) throw new Error(`internal: unparsed kubernetesVersion ${cfg.kubernetesVersion}`);
  return v.minor;
}
