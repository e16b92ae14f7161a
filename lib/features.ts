/**
 * kubeadm feature gates as they decide behaviour: the user's value (featureGates), else the default of
 * the chosen minor. Where a switch is a gate in some minors and fixed in others, the versions table
 * holds the fixed value and the gate, when the minor has it, overrides it.
 */
import type { InitConfig } from "./model.ts";
import type { MinorInfo } from "./versions.ts";

/** Whether a feature gate is on: the user's value, else the minor's default, else off. */
export function gateOn(cfg: InitConfig, info: MinorInfo, name: string): boolean {
  return cfg.cluster.featureGates[name] ?? info.featureGates[name] ?? false;
}

function gateOr(cfg: InitConfig, info: MinorInfo, name: string, fixed: boolean): boolean {
  return name in info.featureGates ? gateOn(cfg, info, name) : fixed;
}

/** NodeLocalCRISocket: the CRI socket lives in /var/lib/kubelet/instance-config.yaml, not the flags. */
export function nodeLocalCRISocket(cfg: InitConfig, info: MinorInfo): boolean {
  return gateOr(cfg, info, "NodeLocalCRISocket", info.nodeLocalCRISocket);
}

/** ControlPlaneKubeletLocalMode: kubelet.conf points at the local API endpoint. */
export function kubeletConfLocal(cfg: InitConfig, info: MinorInfo): boolean {
  return gateOr(cfg, info, "ControlPlaneKubeletLocalMode", info.kubeletConfLocal);
}
