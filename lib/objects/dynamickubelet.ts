/**
 * The Node patch of DynamicKubeletConfig (kubeadm v1.11/v1.12's EnableDynamicConfigForNode, run after
 * mark-master): spec.configSource points at the kubelet-config ConfigMap, key "kubelet". The kubelet
 * reads that ConfigMap as system:nodes (the kubelet-config Role/RoleBinding of upload-config) and the
 * Node authorizer allows a ConfigMap named in the Node's configSource, so no further RBAC is needed.
 */
import type { InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { type NodePatch, nodePatch } from "./uploadconfig.ts";
import { kubeletConfigMapName } from "./uploadconfig.ts";
import { KUBE_SYSTEM } from "./types.ts";

export interface DynamicConfigPatch {
  readonly lines: readonly string[];
  readonly patch: NodePatch;
}

export function dynamicConfigNodePatch(cfg: InitConfig, info: MinorInfo): DynamicConfigPatch {
  const node = cfg.nodeRegistration.name;
  const name = kubeletConfigMapName(cfg, info);
  return {
    lines: [
      `[kubelet] Enabling Dynamic Kubelet Config for Node "${node}"; config sourced from ConfigMap "${name}" in namespace ${KUBE_SYSTEM}`,
      `[kubelet] WARNING: Dynamic Kubelet Config is ${
        info.minor >= 22 ? "deprecated in the kubelet since v1.22" : "beta in the kubelet"
      } and removed in v1.24; kadm provides the gate, kubeadm of this minor does not`,
    ],
    patch: nodePatch(node, {
      spec: { configSource: { configMap: { kubeletConfigKey: "kubelet", name, namespace: KUBE_SYSTEM } } },
    }),
  };
}
