/**
 * upload-config (kubeadm's phases/uploadconfig and phases/kubelet/config.go): the `kubeadm-config`
 * ConfigMap (ClusterConfiguration in the format this minor reads, plus ClusterStatus while v1beta2 is
 * stored), the `kubelet-config[-1.X]` ConfigMap with its hash, their Roles/RoleBindings, and the Node's
 * `kubeadm.alpha.kubernetes.io/cri-socket` annotation patch for minors without NodeLocalCRISocket.
 */
import { gateOn, nodeLocalCRISocket } from "../features.ts";
import type { InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { renderClusterStatus, renderStoredClusterConfiguration } from "../config/render.ts";
import { criEndpoint, kubeletConfigObject, type KubeletHostFacts } from "../kubelet.ts";
import { toKubeYaml } from "../yaml.ts";
import { COMPONENT_CONFIG_HASH, configMapChecksum } from "./hash.ts";
import {
  binding,
  BOOTSTRAPPERS_GROUP,
  type ConfigMap,
  configMap,
  getNamed,
  group,
  KUBE_SYSTEM,
  type KubeObject,
  meta,
  NODES_GROUP,
  role,
  type Step,
} from "./types.ts";

export const KUBEADM_CONFIG = "kubeadm-config";
export const CRI_SOCKET_ANNOTATION = "kubeadm.alpha.kubernetes.io/cri-socket";

export interface NodePatch {
  /** The Node's name. */
  readonly name: string;
  /** The strategic merge patch body, as an object. */
  readonly patch: Readonly<Record<string, unknown>>;
  /** The same body as kubeadm sends and prints it (keys sorted, no spaces). */
  readonly json: string;
}

export interface UploadConfigObjects {
  readonly kubeadmConfig: ConfigMap;
  readonly role: KubeObject;
  readonly roleBinding: KubeObject;
  readonly kubeletConfig: ConfigMap;
  readonly kubeletRole: KubeObject;
  readonly kubeletRoleBinding: KubeObject;
  /** Only for minors (and gate settings) where kubeadm still annotates the Node with its CRI socket. */
  readonly nodeCriSocketPatch?: NodePatch;
  /** Lines and objects in kubeadm's order (the Node patch follows the last step). */
  readonly steps: readonly Step[];
  /** Warnings from storing the ClusterConfiguration (fields this minor's format cannot hold). */
  readonly warnings: readonly string[];
}

/** The kubelet-config ConfigMap name, honouring UnversionedKubeletConfigMap where the minor knows the gate. */
export function kubeletConfigMapName(cfg: InitConfig, info: MinorInfo): string {
  if (!("UnversionedKubeletConfigMap" in info.featureGates)) return info.kubeletConfigMapName;
  const unversioned = gateOn(cfg, info, "UnversionedKubeletConfigMap");
  return unversioned ? "kubelet-config" : `kubelet-config-1.${info.minor}`;
}

/** NodeLocalCRISocket: the socket lives in instance-config.yaml and the Node is no longer annotated. */

/** Sorted-key compact JSON, as Go's json.Marshal of a map[string]interface{} writes it. */
export function goJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x === null || typeof x !== "object" || Array.isArray(x)) return x;
    return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
  });
}

export function nodePatch(name: string, patch: Record<string, unknown>): NodePatch {
  return { name, patch, json: goJSON(patch) };
}

/**
 * @param criSocket the CRI socket in use (detected when nodeRegistration.criSocket is empty).
 * @param host the host facts the kubelet configuration depends on (systemd-resolved).
 */
export function uploadConfigObjects(
  cfg: InitConfig,
  info: MinorInfo,
  criSocket: string,
  host: KubeletHostFacts,
): UploadConfigObjects {
  const stored = renderStoredClusterConfiguration(cfg, info.configAPI);
  const data: Record<string, string> = { ClusterConfiguration: stored.yaml };
  if (info.configAPI === "v1beta2") data.ClusterStatus = renderClusterStatus(cfg);
  const kubeadmConfig = configMap(meta(KUBEADM_CONFIG, KUBE_SYSTEM), data);
  const rbacName = "kubeadm:nodes-kubeadm-config";
  const cmRole = role("Role", meta(rbacName, KUBE_SYSTEM), [getNamed("configmaps", KUBEADM_CONFIG)]);
  const cmBinding = binding("RoleBinding", meta(rbacName, KUBE_SYSTEM), { kind: "Role", name: rbacName }, [
    group(BOOTSTRAPPERS_GROUP),
    group(NODES_GROUP),
  ]);

  const name = kubeletConfigMapName(cfg, info);
  const kubeletData = { kubelet: toKubeYaml(kubeletConfigObject(cfg, info, host)) };
  const signed = cfg.kubeletConfiguration === undefined;
  const kubeletConfig = configMap(
    meta(
      name,
      KUBE_SYSTEM,
      signed ? { annotations: { [COMPONENT_CONFIG_HASH]: configMapChecksum(kubeletData) } } : {},
    ),
    kubeletData,
  );
  const kubeletRbac = `kubeadm:${name}`;
  const kubeletRole = role("Role", meta(kubeletRbac, KUBE_SYSTEM), [getNamed("configmaps", name)]);
  const kubeletRoleBinding = binding(
    "RoleBinding",
    meta(kubeletRbac, KUBE_SYSTEM),
    { kind: "Role", name: kubeletRbac },
    [group(NODES_GROUP), group(BOOTSTRAPPERS_GROUP)],
  );

  const node = cfg.nodeRegistration.name;
  const nodeCriSocketPatch = nodeLocalCRISocket(cfg, info) ? undefined : nodePatch(node, {
    metadata: { annotations: { [CRI_SOCKET_ANNOTATION]: criEndpoint(criSocket, info) } },
  });
  return {
    kubeadmConfig,
    role: cmRole,
    roleBinding: cmBinding,
    kubeletConfig,
    kubeletRole,
    kubeletRoleBinding,
    ...(nodeCriSocketPatch ? { nodeCriSocketPatch } : {}),
    steps: [
      {
        line:
          `[upload-config] Storing the configuration used in ConfigMap "${KUBEADM_CONFIG}" in the "${KUBE_SYSTEM}" Namespace`,
        objects: [kubeadmConfig, cmRole, cmBinding],
      },
      {
        line:
          `[kubelet] Creating a ConfigMap "${name}" in namespace ${KUBE_SYSTEM} with the configuration for the kubelets in the cluster`,
        objects: [kubeletConfig, kubeletRole, kubeletRoleBinding],
      },
    ],
    warnings: stored.warnings,
  };
}
