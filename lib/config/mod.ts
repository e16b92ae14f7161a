/**
 * Configuration for `kadm init`: every dialect -> one defaulted, validated InitConfig (lib/model.ts),
 * plus the YAML kubeadm writes back (stored ClusterConfiguration, init-defaults, migrate) and images.
 */
export { loadInitConfig, loadInitConfigFile } from "./load.ts";
export type { LoadedInit, LoadInitOptions } from "./load.ts";
export type { InitFlags } from "./flags.ts";
export type { RunOptions } from "./draft.ts";
export type { HostFacts } from "./finish.ts";
export { defaultAdvertiseAddress, randomToken, realHostFacts } from "./host_facts.ts";
export { migrateConfig, renderInitDefaults } from "./commands.ts";
export { goYaml, renderClusterStatus, renderStoredClusterConfiguration } from "./render.ts";
export type { StoredAPI } from "./render.ts";
export { imagesFor } from "./images.ts";
export { resolveKubernetesVersion } from "./kube_version.ts";
export { formatGoDuration, parseGoDuration } from "./durations.ts";
