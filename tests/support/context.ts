/**
 * Test fixtures: the reference cluster (../shared/reference/kubeadm-v1.20.2/input-config.yaml) as an
 * already-defaulted internal model, and an InitContext writing under a temp root.
 */
import type { ClusterConfig, InitConfig } from "../../lib/model.ts";
import { parseVersion } from "../../lib/model.ts";
import { defaultImageRepository, minorInfo } from "../../lib/versions.ts";
import { memoryLogger } from "../../lib/log.ts";
import type { CommandRunner } from "../../lib/host.ts";
import type { KeySource } from "../../lib/pki/keys.ts";
import type { InitContext } from "../../phases/types.ts";

/** The reference input, defaulted as kubeadm does, for `version` (default v1.20.2). */
export function referenceConfig(version = "v1.20.2"): InitConfig {
  const v = parseVersion(version);
  if (!v) throw new Error(`bad version ${version}`);
  const info = minorInfo(v.minor);
  const cluster: ClusterConfig = {
    kubernetesVersion: version,
    controlPlaneEndpoint: "",
    clusterName: "kubernetes",
    certificatesDir: "/etc/kubernetes/pki",
    imageRepository: defaultImageRepository(info, v.patch),
    imageRepositoryIsCustom: false,
    unifiedControlPlaneImage: "",
    ciImageRepository: "",
    featureGates: {},
    networking: { serviceSubnet: "10.96.0.0/12", podSubnet: "10.244.0.0/16", dnsDomain: "cluster.local" },
    apiServer: { extraArgs: [], extraVolumes: [], extraEnvs: [], certSANs: [] },
    controllerManager: { extraArgs: [], extraVolumes: [], extraEnvs: [] },
    scheduler: { extraArgs: [], extraVolumes: [], extraEnvs: [] },
    etcd: {
      local: {
        imageRepository: "",
        imageTag: "",
        dataDir: "/var/lib/etcd",
        extraArgs: [],
        extraEnvs: [],
        serverCertSANs: [],
        peerCertSANs: [],
      },
    },
    dns: { type: "CoreDNS", imageRepository: "", imageTag: "", disabled: false },
    proxy: { disabled: false },
    encryptionAlgorithm: "RSA-2048",
    certificateValidityPeriod: 8760 * 3600,
    caCertificateValidityPeriod: 87600 * 3600,
    timeouts: {
      controlPlaneComponentHealthCheck: 240,
      kubeletHealthCheck: 240,
      kubernetesAPICall: 60,
      etcdAPICall: 120,
      tlsBootstrap: 300,
      discovery: 300,
    },
    cloudProvider: "",
  };
  return {
    cluster,
    localAPIEndpoint: { advertiseAddress: "10.0.0.10", bindPort: 6443 },
    nodeRegistration: {
      name: "master-1",
      criSocket: "/run/containerd/containerd.sock",
      taints: null,
      kubeletExtraArgs: [],
      ignorePreflightErrors: [],
      imagePullPolicy: "IfNotPresent",
      imagePullSerial: true,
    },
    bootstrapTokens: [{
      token: "abcdef.0123456789abcdef",
      description: "",
      ttl: 86400,
      expires: "",
      usages: ["signing", "authentication"],
      groups: ["system:bootstrappers:kubeadm:default-node-token"],
      generated: false,
    }],
    certificateKey: "",
    skipPhases: [],
    patchesDirectory: "",
    kubeletConfiguration: undefined,
    kubeProxyConfiguration: undefined,
  };
}

/** Shallow-merges cluster-level overrides into a config (tests only). */
export function withCluster(cfg: InitConfig, over: Partial<ClusterConfig>): InitConfig {
  return { ...cfg, cluster: { ...cfg.cluster, ...over } };
}

/** A command runner that records what it was asked and succeeds. */
export function recordingRunner(): CommandRunner & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd, args) {
      calls.push([cmd, ...args].join(" "));
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    },
    has() {
      return Promise.resolve(false);
    },
  };
}

export interface TestContextOptions {
  readonly cfg?: InitConfig;
  readonly root: string;
  readonly keys: KeySource;
  readonly dryRun?: boolean;
  readonly now?: Date;
  readonly hostname?: string;
  /** Host paths that "exist" for the CA-folder volumes (default: Debian's three). */
  readonly hostPaths?: readonly string[];
}

export function testContext(o: TestContextOptions): InitContext & { log: ReturnType<typeof memoryLogger> } {
  const cfg = o.cfg ?? referenceConfig();
  const version = parseVersion(cfg.cluster.kubernetesVersion)!;
  const present = new Set(
    o.hostPaths ?? ["/etc/ca-certificates", "/usr/local/share/ca-certificates", "/usr/share/ca-certificates"],
  );
  return {
    cfg,
    version,
    minor: minorInfo(version.minor),
    dryRun: o.dryRun ?? false,
    paths: {
      root: o.root,
      hostRoot: "",
      kubeconfigDir: "/etc/kubernetes",
      manifestsDir: "/etc/kubernetes/manifests",
      kubeletDir: "/var/lib/kubelet",
      kubeletDropInDir: "/etc/systemd/system/kubelet.service.d",
    },
    log: memoryLogger(),
    runner: recordingRunner(),
    keys: o.keys,
    now: o.now ?? new Date("2026-11-28T12:37:38Z"),
    hostname: o.hostname ?? "reference-host",
    hostPathExists: (p) => Promise.resolve(present.has(p)),
    cache: new Map(),
    patches: undefined,
    options: { uploadCerts: false, skipTokenPrint: false, skipCertificateKeyPrint: false },
  };
}
