/**
 * Pure renderers of every API object `kadm init` creates, per Kubernetes minor, with the console lines
 * kubeadm prints next to them. No network and no host access: phases send what these return.
 */
export * from "./types.ts";
export { COMPONENT_CONFIG_HASH, configMapChecksum } from "./hash.ts";
export {
  CRI_SOCKET_ANNOTATION,
  goJSON,
  KUBEADM_CONFIG,
  kubeletConfigMapName,
  type NodePatch,
  nodePatch,
  type UploadConfigObjects,
  uploadConfigObjects,
} from "./uploadconfig.ts";
export { type MarkControlPlane, markControlPlanePatch, taintString } from "./markcontrolplane.ts";
export {
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  type BootstrapTokenObjects,
  bootstrapTokenObjects,
  bootstrapTokenSecret,
  CLUSTER_ADMINS,
  clusterAdminsBinding,
  rfc3339,
  splitToken,
  tokenExpiration,
} from "./bootstraptoken.ts";
export {
  CLUSTER_INFO,
  clusterInfoKubeconfig,
  type ClusterInfoObjects,
  clusterInfoObjects,
} from "./clusterinfo.ts";
export {
  type CorednsFlavour,
  corednsFlavour,
  type CorednsObjects,
  corednsObjects,
  corefile,
} from "./coredns.ts";
export { type KubeDnsObjects, kubeDnsObjects, LAST_KUBE_DNS_MINOR } from "./kubedns.ts";
export { KUBE_PROXY, kubeProxyKubeconfig, type KubeProxyObjects, kubeProxyObjects } from "./kubeproxy.ts";
export { KUBE_PROXY_KUBECONFIG, kubeProxyConfigObject, kubeProxyZeroConfig } from "./kubeproxy_config.ts";
export {
  CERT_TOKEN_TTL,
  certificateKeyBytes,
  certsOwnerSecret,
  certsOwnerToken,
  certsToUpload,
  type CertToUpload,
  decryptBytes,
  encryptBytes,
  KUBEADM_CERTS,
  type UploadCertsInput,
  type UploadCertsObjects,
  uploadCertsObjects,
} from "./uploadcerts.ts";
export { nodeLocalCRISocket } from "../features.ts";
