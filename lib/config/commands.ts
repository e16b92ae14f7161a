/**
 * `kadm config print init-defaults` and `kadm config migrate`: pure text in, text out.
 */
import { parseVersion } from "../model.ts";
import { DEFAULT_KUBERNETES_VERSION, minorInfo } from "../versions.ts";
import { build } from "./load.ts";
import { resolveKubernetesVersion } from "./kube_version.ts";
import { renderV1beta4Documents } from "./render.ts";
import { UserError } from "../errors.ts";

/**
 * What kubeadm of the chosen minor prints for `config print init-defaults`: v1beta4 with kubeadm's
 * placeholders (advertiseAddress 1.2.3.4, node name "node", token abcdef.0123456789abcdef, the
 * minor's default CRI socket) and kubernetesVersion printed as kubeadm's own "1.X.0".
 */
export function renderInitDefaults(version: string = DEFAULT_KUBERNETES_VERSION): string {
  const r = resolveKubernetesVersion(version);
  if (typeof r === "string") throw new UserError(`Invalid value for --kubernetes-version: ${r}`);
  const minor = parseVersion(r.version)!.minor;
  const sock = minorInfo(minor).defaultCRISocket;
  const text = [
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: InitConfiguration",
    "localAPIEndpoint: {advertiseAddress: 1.2.3.4}",
    `nodeRegistration: {name: node, criSocket: "${sock}"}`,
    "bootstrapTokens: [{token: abcdef.0123456789abcdef}]",
    "---",
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: ClusterConfiguration",
    `kubernetesVersion: v1.${minor}.0`,
  ].join("\n");
  const { cfg } = build(text, "init-defaults", {}, undefined);
  return renderV1beta4Documents(cfg, { kubernetesVersion: `1.${minor}.0` }).yaml;
}

/**
 * `kadm config migrate --old-config F`: any supported dialect -> v1beta4 Init + ClusterConfiguration
 * (plus the KubeletConfiguration / KubeProxyConfiguration documents), statically defaulted: host facts
 * (node name, advertise address, token) stay unset so they are detected when the file is used.
 */
export function migrateConfig(text: string, path: string): { yaml: string; warnings: string[] } {
  const b = build(text, path, {}, undefined);
  const r = renderV1beta4Documents(b.cfg, { upgradeManifests: b.draft.upgradeManifestsTimeout });
  return { yaml: r.yaml, warnings: [...b.warnings, ...r.warnings] };
}
