/**
 * The field lists of every accepted document kind, as decoders (see schema.ts). Sources: kubeadm's
 * cmd/kubeadm/app/apis/kubeadm/{v1alpha1 (release-1.10), v1beta2, v1beta3, v1beta4}/types.go.
 */
import { anyValue, bool, duration, int, list, mapOf, obj, record, str } from "./schema.ts";
import type { Out } from "./schema.ts";

const strList = list(str);
const strMap = mapOf(str, "a map of strings (flag name: value)");
const boolMap = mapOf(bool, "a map of feature gate names to true or false");
const argList = list(obj({ name: str, value: str }));
const envList = list(obj({ name: str, value: str, valueFrom: anyValue }));
const mount = obj({ name: str, hostPath: str, mountPath: str, readOnly: bool, pathType: str });
const taint = obj({ key: str, value: str, effect: str, timeAdded: str });
const bootstrapToken = obj({
  token: str,
  description: str,
  ttl: duration,
  expires: str,
  usages: strList,
  groups: strList,
});
const apiEndpoint = obj({ advertiseAddress: str, bindPort: int });
const typeMeta = { apiVersion: str, kind: str };

// --- InitConfiguration ---

const nodeRegV1beta2 = {
  name: str,
  criSocket: str,
  taints: list(taint),
  kubeletExtraArgs: strMap,
  ignorePreflightErrors: strList,
};

export const initV1beta2 = obj({
  ...typeMeta,
  bootstrapTokens: list(bootstrapToken),
  nodeRegistration: obj(nodeRegV1beta2),
  localAPIEndpoint: apiEndpoint,
  certificateKey: str,
});

export const initV1beta3 = obj({
  ...typeMeta,
  bootstrapTokens: list(bootstrapToken),
  nodeRegistration: obj({ ...nodeRegV1beta2, imagePullPolicy: str }),
  localAPIEndpoint: apiEndpoint,
  certificateKey: str,
  skipPhases: strList,
  patches: obj({ directory: str }),
});

/** kubeadm.k8s.io/v1beta4 Timeouts (Init-, Join-, Reset- and UpgradeConfiguration). */
export const timeoutsV1beta4 = obj({
  controlPlaneComponentHealthCheck: duration,
  kubeletHealthCheck: duration,
  kubernetesAPICall: duration,
  etcdAPICall: duration,
  tlsBootstrap: duration,
  discovery: duration,
  upgradeManifests: duration,
});

export const initV1beta4 = obj({
  ...typeMeta,
  bootstrapTokens: list(bootstrapToken),
  nodeRegistration: obj({
    ...nodeRegV1beta2,
    kubeletExtraArgs: argList,
    imagePullPolicy: str,
    imagePullSerial: bool,
  }),
  localAPIEndpoint: apiEndpoint,
  certificateKey: str,
  skipPhases: strList,
  patches: obj({ directory: str }),
  dryRun: bool,
  timeouts: timeoutsV1beta4,
});

// --- ClusterConfiguration ---

const externalEtcd = obj({ endpoints: strList, caFile: str, certFile: str, keyFile: str });
const localEtcdMap = {
  imageRepository: str,
  imageTag: str,
  dataDir: str,
  extraArgs: strMap,
  serverCertSANs: strList,
  peerCertSANs: strList,
};
const networking = obj({ serviceSubnet: str, podSubnet: str, dnsDomain: str });
const componentMap = { extraArgs: strMap, extraVolumes: list(mount) };
const componentList = { extraArgs: argList, extraVolumes: list(mount), extraEnvs: envList };
const clusterCommon = {
  ...typeMeta,
  networking,
  kubernetesVersion: str,
  controlPlaneEndpoint: str,
  certificatesDir: str,
  imageRepository: str,
  featureGates: boolMap,
  clusterName: str,
};

export const clusterV1beta2 = obj({
  ...clusterCommon,
  etcd: obj({ local: obj(localEtcdMap), external: externalEtcd }),
  apiServer: obj({ ...componentMap, certSANs: strList, timeoutForControlPlane: duration }),
  controllerManager: obj(componentMap),
  scheduler: obj(componentMap),
  dns: obj({ type: str, imageRepository: str, imageTag: str }),
  useHyperKubeImage: bool,
});

export const clusterV1beta3 = obj({
  ...clusterCommon,
  etcd: obj({ local: obj(localEtcdMap), external: externalEtcd }),
  apiServer: obj({ ...componentMap, certSANs: strList, timeoutForControlPlane: duration }),
  controllerManager: obj(componentMap),
  scheduler: obj(componentMap),
  dns: obj({ imageRepository: str, imageTag: str }),
});

export const clusterV1beta4 = obj({
  ...clusterCommon,
  etcd: obj({
    local: obj({ ...localEtcdMap, extraArgs: argList, extraEnvs: envList }),
    external: externalEtcd,
  }),
  apiServer: obj({ ...componentList, certSANs: strList }),
  controllerManager: obj(componentList),
  scheduler: obj(componentList),
  dns: obj({ imageRepository: str, imageTag: str, disabled: bool }),
  proxy: obj({ disabled: bool }),
  encryptionAlgorithm: str,
  certificateValidityPeriod: duration,
  caCertificateValidityPeriod: duration,
});

// --- v1alpha1 MasterConfiguration (kubeadm v1.9 / v1.10) ---

const v1alpha1Mount = obj({ name: str, hostPath: str, mountPath: str, writable: bool, pathType: str });

export const masterV1alpha1 = obj({
  ...typeMeta,
  api: obj({ advertiseAddress: str, bindPort: int, controlPlaneEndpoint: str }),
  kubeProxy: obj({ config: record }),
  etcd: obj({
    endpoints: strList,
    caFile: str,
    certFile: str,
    keyFile: str,
    dataDir: str,
    extraArgs: strMap,
    image: str,
    selfHosted: record,
    serverCertSANs: strList,
    peerCertSANs: strList,
  }),
  kubeletConfiguration: obj({ baseConfig: record }),
  networking,
  kubernetesVersion: str,
  cloudProvider: str,
  nodeName: str,
  authorizationModes: strList,
  noTaintMaster: bool,
  privilegedPods: bool,
  token: str,
  tokenTTL: duration,
  tokenUsages: strList,
  tokenGroups: strList,
  criSocket: str,
  apiServerExtraArgs: strMap,
  controllerManagerExtraArgs: strMap,
  schedulerExtraArgs: strMap,
  apiServerExtraVolumes: list(v1alpha1Mount),
  controllerManagerExtraVolumes: list(v1alpha1Mount),
  schedulerExtraVolumes: list(v1alpha1Mount),
  apiServerCertSANs: strList,
  certificatesDir: str,
  imageRepository: str,
  imagePullPolicy: str,
  unifiedControlPlaneImage: str,
  auditPolicy: obj({ path: str, logDir: str, logMaxAge: int }),
  featureGates: boolMap,
  clusterName: str,
  selfHosted: bool,
});

export type InitDoc = Out<typeof initV1beta4> & Out<typeof initV1beta2>;
export type ClusterDoc = Out<typeof clusterV1beta4> | Out<typeof clusterV1beta3> | Out<typeof clusterV1beta2>;
export type MasterDoc = NonNullable<Out<typeof masterV1alpha1>>;
export type TokenDoc = NonNullable<Out<typeof bootstrapToken>>;
export type MountDoc = NonNullable<Out<typeof mount>>;
export type TaintDoc = NonNullable<Out<typeof taint>>;
export type EnvDoc = NonNullable<Out<typeof envList>>[number];
