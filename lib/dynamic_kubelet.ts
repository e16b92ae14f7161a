/**
 * DynamicKubeletConfig as kubeadm v1.9–v1.12 offered it: the kubelet's initial config at
 * /var/lib/kubelet/config/init/kubelet and the Node's spec.configSource pointing at the kubelet-config
 * ConfigMap. kubeadm itself dropped the gate in v1.13 (kubernetes#70849) and its `alpha kubelet config
 * enable-dynamic` command in v1.20 (kubernetes#94668), so for v1.20–v1.23 the gate is kadm's own: it is
 * offered where the kubelet of the minor still has dynamic config (beta, on by default up to v1.21;
 * deprecated and off by default in v1.22–v1.23; removed from the kubelet in v1.24).
 * It is not a gate of kubeadm's list, so it is never stored in the kubeadm-config ConfigMap.
 */
import type { Arg, InitConfig } from "./model.ts";
import type { MinorInfo } from "./versions.ts";

export const DYNAMIC_KUBELET_CONFIG = "DynamicKubeletConfig";

/** The kubelet minor that removed dynamic config. */
export const DYNAMIC_KUBELET_REMOVED_MINOR = 24;

/** The initial kubelet config, relative to the kubelet folder (kubeadm v1.9's init config). */
export const DYNAMIC_INIT_CONFIG = "config/init/kubelet";

/** Where the kubelet keeps the configs it downloaded (kubeadm v1.11's --dynamic-config-dir). */
export const DYNAMIC_CONFIG_DIR = "/var/lib/kubelet/dynamic-config";

/** Why the gate cannot be used for this minor, or undefined where kadm provides it. */
export function dynamicKubeletRefusal(minor: number): string | undefined {
  if (minor < DYNAMIC_KUBELET_REMOVED_MINOR) return undefined;
  return `feature gate ${DYNAMIC_KUBELET_CONFIG} is not available for Kubernetes v1.${minor}: the kubelet's ` +
    `dynamic configuration was removed in v1.${DYNAMIC_KUBELET_REMOVED_MINOR}; edit the kubelet-config ` +
    `ConfigMap or /var/lib/kubelet/config.yaml and restart the kubelet, or use --patches with a ` +
    `kubeletconfiguration patch`;
}

/** Whether the user turned the gate on (it is off by default and refused from v1.24 at config load). */
export function dynamicKubeletConfig(cfg: InitConfig, info: MinorInfo): boolean {
  return info.minor < DYNAMIC_KUBELET_REMOVED_MINOR &&
    cfg.cluster.featureGates[DYNAMIC_KUBELET_CONFIG] === true;
}

/**
 * Kubelet flags the feature needs, unless the user set them in kubeletExtraArgs: a folder for the
 * downloaded configs and, from v1.22 where the kubelet's own gate is off by default, the gate itself.
 */
export function dynamicKubeletArgs(cfg: InitConfig, info: MinorInfo): Arg[] {
  if (!dynamicKubeletConfig(cfg, info)) return [];
  const set = new Set(cfg.nodeRegistration.kubeletExtraArgs.map((a) => a.name));
  const out: Arg[] = [];
  if (!set.has("dynamic-config-dir")) out.push({ name: "dynamic-config-dir", value: DYNAMIC_CONFIG_DIR });
  if (info.minor >= 22 && !set.has("feature-gates")) {
    out.push({ name: "feature-gates", value: `${DYNAMIC_KUBELET_CONFIG}=true` });
  }
  return out;
}

/** The config with the kubelet flags of dynamicKubeletArgs added (the same config when the gate is off). */
export function withDynamicKubeletArgs(cfg: InitConfig, info: MinorInfo): InitConfig {
  const add = dynamicKubeletArgs(cfg, info);
  if (add.length === 0) return cfg;
  const nr = cfg.nodeRegistration;
  return { ...cfg, nodeRegistration: { ...nr, kubeletExtraArgs: [...nr.kubeletExtraArgs, ...add] } };
}
