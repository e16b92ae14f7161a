/**
 * What kubeadm writes as YAML: the ClusterConfiguration stored in the kubeadm-config ConfigMap
 * (v1beta2 / v1beta3 / v1beta4 shapes), the v1beta2 ClusterStatus, and v1beta4 Init/ClusterConfiguration
 * documents for `config print init-defaults` and `config migrate`. Keys are sorted and empty optional
 * fields omitted, as Go's JSON->YAML marshaller does. Pure functions.
 */
import { SELF_HOSTING_GATES } from "../selfhosting.ts";
import { stringify } from "yaml";
import type { Arg, ClusterConfig, ControlPlaneComponent, HostPathMount, InitConfig } from "../model.ts";
import { minorOf } from "../model.ts";
import { formatGoDuration } from "./durations.ts";
import { imageTag } from "./finish.ts";
import { DYNAMIC_KUBELET_CONFIG } from "../dynamic_kubelet.ts";

export type StoredAPI = "v1beta2" | "v1beta3" | "v1beta4";

/** Go-style YAML: sorted keys, `- ` lists at the parent's indentation, no line folding. */
export function goYaml(value: unknown): string {
  return stringify(value, { indentSeq: false, sortMapEntries: true, lineWidth: 0, nullStr: "null" });
}

type Obj = Record<string, unknown>;

/** Drops undefined, "", [] and false fields (Go's omitempty); keeps {} (structs are never omitted). */
function compact(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === "" || v === false || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

function mounts(list: readonly HostPathMount[]): Obj[] {
  return list.map((m) =>
    compact({
      name: m.name,
      hostPath: m.hostPath,
      mountPath: m.mountPath,
      readOnly: m.readOnly,
      pathType: m.pathType,
    })
  );
}

/** The cloud provider travels as --cloud-provider on the apiserver and controller-manager. */
function withCloud(args: readonly Arg[], cloud: string): Arg[] {
  return cloud === "" || args.some((a) => a.name === "cloud-provider")
    ? [...args]
    : [...args, { name: "cloud-provider", value: cloud }];
}

/** kubeadm v1.20's getAuthzModes: Node,RBAC first, then ABAC/Webhook if the user asked for them. */
function authzModes(user: string | undefined, minor: number): string {
  if (minor <= 20 || user === undefined || user === "") {
    const modes = ["Node", "RBAC"];
    if (user?.includes("ABAC")) modes.push("ABAC");
    if (user?.includes("Webhook")) modes.push("Webhook");
    return modes.join(",");
  }
  return user;
}

export function renderStoredClusterConfiguration(
  cfg: InitConfig,
  api: StoredAPI,
): { yaml: string; warnings: string[] } {
  const warnings: string[] = [];
  const doc = api === "v1beta4"
    ? clusterV1beta4(cfg.cluster, warnings)
    : clusterMapEra(cfg.cluster, api, warnings);
  return { yaml: goYaml(doc), warnings };
}

/**
 * The gates kubeadm's list knows: kadm's own DynamicKubeletConfig, SelfHosting and StoreCertsInSecrets
 * would make kubeadm reject the file.
 */
function kubeadmGates(gates: Readonly<Record<string, boolean>>): Obj | undefined {
  const kept = Object.entries(gates).filter(([k]) =>
    k !== DYNAMIC_KUBELET_CONFIG && !SELF_HOSTING_GATES.includes(k)
  );
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function clusterMapEra(c: ClusterConfig, api: "v1beta2" | "v1beta3", warnings: string[]): Obj {
  const lost = (what: string) =>
    warnings.push(`${what} cannot be stored in a kubeadm.k8s.io/${api} ClusterConfiguration; left out`);
  const minor = minorOf(c);
  const argMap = (args: readonly Arg[], where: string): Obj | undefined => {
    const m: Record<string, string> = {};
    for (const a of args) {
      if (Object.hasOwn(m, a.name)) lost(`The repeated ${where}.extraArgs ${a.name} (all but the last)`);
      m[a.name] = a.value;
    }
    return Object.keys(m).length > 0 ? m : undefined;
  };
  const comp = (p: ControlPlaneComponent, where: string, extra: Obj = {}, args = p.extraArgs): Obj => {
    if (p.extraEnvs.length > 0) lost(`${where}.extraEnvs`);
    return compact({ extraArgs: argMap(args, where), extraVolumes: mounts(p.extraVolumes), ...extra });
  };
  // kubeadm <= v1.30 wrote --authorization-mode back into the config it stored (manifests.go side effect).
  const apiArgs = withCloud(c.apiServer.extraArgs, c.cloudProvider);
  const userAuthz = apiArgs.filter((a) => a.name === "authorization-mode").at(-1)?.value;
  const authz = { name: "authorization-mode", value: authzModes(userAuthz, minor) };
  const apiServerArgs = [...apiArgs.filter((a) => a.name !== "authorization-mode"), authz];
  const apiServer = comp(c.apiServer, "apiServer", {
    certSANs: c.apiServer.certSANs,
    timeoutForControlPlane: formatGoDuration(c.timeouts.controlPlaneComponentHealthCheck),
  }, apiServerArgs);
  const dns: Obj = compact({ imageRepository: c.dns.imageRepository, imageTag: c.dns.imageTag });
  if (api === "v1beta2") dns.type = c.dns.type;
  if (c.dns.disabled) lost("dns.disabled");
  if (c.proxy.disabled) lost("proxy.disabled");
  const ecdsaGate = c.featureGates.PublicKeysECDSA === true && c.encryptionAlgorithm === "ECDSA-P256";
  if (c.encryptionAlgorithm !== "RSA-2048" && !ecdsaGate) {
    lost(`encryptionAlgorithm ${c.encryptionAlgorithm}`);
  }
  if (c.certificateValidityPeriod !== 8760 * 3600) lost("certificateValidityPeriod");
  if (c.caCertificateValidityPeriod !== 87600 * 3600) lost("caCertificateValidityPeriod");
  let useHyperKubeImage = false;
  if (c.unifiedControlPlaneImage !== "") {
    const hyper = `${c.ciImageRepository || c.imageRepository}/hyperkube:${imageTag(c.kubernetesVersion)}`;
    if (api === "v1beta2" && c.unifiedControlPlaneImage === hyper) useHyperKubeImage = true;
    else lost(`unifiedControlPlaneImage ${c.unifiedControlPlaneImage}`);
  }
  return compact({
    apiVersion: `kubeadm.k8s.io/${api}`,
    kind: "ClusterConfiguration",
    apiServer,
    certificatesDir: c.certificatesDir,
    clusterName: c.clusterName,
    controlPlaneEndpoint: c.controlPlaneEndpoint,
    controllerManager: comp(
      c.controllerManager,
      "controllerManager",
      {},
      withCloud(c.controllerManager.extraArgs, c.cloudProvider),
    ),
    dns,
    etcd: etcd(c, (l) => argMap(l, "etcd.local"), lost),
    featureGates: kubeadmGates(c.featureGates),
    imageRepository: c.imageRepository,
    kubernetesVersion: c.kubernetesVersion,
    networking: networking(c),
    scheduler: comp(c.scheduler, "scheduler"),
    useHyperKubeImage,
  });
}

function etcd(c: ClusterConfig, args: (a: readonly Arg[]) => unknown, lost?: (w: string) => void): Obj {
  if (c.etcd.external) {
    const x = c.etcd.external;
    return {
      external: { endpoints: x.endpoints, caFile: x.caFile, certFile: x.certFile, keyFile: x.keyFile },
    };
  }
  const l = c.etcd.local;
  if (lost && l.extraEnvs.length > 0) lost("etcd.local.extraEnvs");
  const envs = lost ? undefined : l.extraEnvs.map((e) => ({ name: e.name, value: e.value }));
  return {
    local: compact({
      dataDir: l.dataDir,
      extraArgs: args(l.extraArgs),
      extraEnvs: envs,
      imageRepository: l.imageRepository,
      imageTag: l.imageTag,
      peerCertSANs: l.peerCertSANs,
      serverCertSANs: l.serverCertSANs,
    }),
  };
}

function networking(c: ClusterConfig): Obj {
  const n = c.networking;
  return compact({ dnsDomain: n.dnsDomain, podSubnet: n.podSubnet, serviceSubnet: n.serviceSubnet });
}

function argList(args: readonly Arg[]): Obj[] | undefined {
  return args.length > 0 ? args.map((a) => ({ name: a.name, value: a.value })) : undefined;
}

function clusterV1beta4(c: ClusterConfig, warnings: string[]): Obj {
  const comp = (p: ControlPlaneComponent, extra: Obj = {}, args = p.extraArgs): Obj =>
    compact({
      extraArgs: argList(args),
      extraEnvs: p.extraEnvs.map((e) => ({ name: e.name, value: e.value })),
      extraVolumes: mounts(p.extraVolumes),
      ...extra,
    });
  if (c.unifiedControlPlaneImage !== "") {
    warnings.push(
      `unifiedControlPlaneImage ${c.unifiedControlPlaneImage} cannot be stored in a kubeadm.k8s.io/v1beta4 ClusterConfiguration; left out`,
    );
  }
  return compact({
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "ClusterConfiguration",
    apiServer: comp(
      c.apiServer,
      { certSANs: c.apiServer.certSANs },
      withCloud(c.apiServer.extraArgs, c.cloudProvider),
    ),
    caCertificateValidityPeriod: formatGoDuration(c.caCertificateValidityPeriod),
    certificateValidityPeriod: formatGoDuration(c.certificateValidityPeriod),
    certificatesDir: c.certificatesDir,
    clusterName: c.clusterName,
    controlPlaneEndpoint: c.controlPlaneEndpoint,
    controllerManager: comp(
      c.controllerManager,
      {},
      withCloud(c.controllerManager.extraArgs, c.cloudProvider),
    ),
    dns: compact({
      disabled: c.dns.disabled,
      imageRepository: c.dns.imageRepository,
      imageTag: c.dns.imageTag,
    }),
    encryptionAlgorithm: c.encryptionAlgorithm,
    etcd: etcd(c, argList),
    featureGates: kubeadmGates(c.featureGates),
    imageRepository: c.imageRepository,
    kubernetesVersion: c.kubernetesVersion,
    networking: networking(c),
    proxy: compact({ disabled: c.proxy.disabled }),
    scheduler: comp(c.scheduler),
  });
}

/** The v1beta2 ClusterStatus kubeadm <= v1.21 stored beside the ClusterConfiguration. */
export function renderClusterStatus(cfg: InitConfig): string {
  return goYaml({
    apiEndpoints: {
      [cfg.nodeRegistration.name]: {
        advertiseAddress: cfg.localAPIEndpoint.advertiseAddress,
        bindPort: cfg.localAPIEndpoint.bindPort,
      },
    },
    apiVersion: "kubeadm.k8s.io/v1beta2",
    kind: "ClusterStatus",
  });
}

/** A v1beta4 InitConfiguration document; empty host facts (node name, address, token) are left out. */
export function initV1beta4Doc(cfg: InitConfig, upgradeManifests = 300): Obj {
  const nr = cfg.nodeRegistration;
  const t = cfg.cluster.timeouts;
  return compact({
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "InitConfiguration",
    bootstrapTokens: cfg.bootstrapTokens.map((b) =>
      compact({
        description: b.description,
        expires: b.expires,
        groups: b.groups,
        token: b.token,
        ttl: formatGoDuration(b.ttl),
        usages: b.usages,
      })
    ),
    certificateKey: cfg.certificateKey,
    localAPIEndpoint: compact({
      advertiseAddress: cfg.localAPIEndpoint.advertiseAddress,
      bindPort: cfg.localAPIEndpoint.bindPort,
    }),
    nodeRegistration: {
      ...compact({
        criSocket: nr.criSocket,
        ignorePreflightErrors: nr.ignorePreflightErrors,
        imagePullPolicy: nr.imagePullPolicy,
        kubeletExtraArgs: argList(nr.kubeletExtraArgs),
        name: nr.name,
      }),
      imagePullSerial: nr.imagePullSerial,
      taints: nr.taints === null ? null : nr.taints.map((x) => compact({ ...x })),
    },
    patches: cfg.patchesDirectory === "" ? undefined : { directory: cfg.patchesDirectory },
    skipPhases: cfg.skipPhases,
    timeouts: {
      controlPlaneComponentHealthCheck: formatGoDuration(t.controlPlaneComponentHealthCheck),
      discovery: formatGoDuration(t.discovery),
      etcdAPICall: formatGoDuration(t.etcdAPICall),
      kubeletHealthCheck: formatGoDuration(t.kubeletHealthCheck),
      kubernetesAPICall: formatGoDuration(t.kubernetesAPICall),
      tlsBootstrap: formatGoDuration(t.tlsBootstrap),
      upgradeManifests: formatGoDuration(upgradeManifests),
    },
  });
}

/** InitConfiguration + ClusterConfiguration (v1beta4) and the component configs, `---` separated. */
export function renderV1beta4Documents(
  cfg: InitConfig,
  opts: { upgradeManifests?: number; kubernetesVersion?: string } = {},
): { yaml: string; warnings: string[] } {
  const warnings: string[] = [];
  const cluster = clusterV1beta4(cfg.cluster, warnings);
  if (opts.kubernetesVersion !== undefined) cluster.kubernetesVersion = opts.kubernetesVersion;
  const docs = [goYaml(initV1beta4Doc(cfg, opts.upgradeManifests)), goYaml(cluster)];
  if (cfg.kubeletConfiguration) docs.push(goYaml(cfg.kubeletConfiguration));
  if (cfg.kubeProxyConfiguration) docs.push(goYaml(cfg.kubeProxyConfiguration));
  return { yaml: docs.join("---\n"), warnings };
}
