/**
 * Image names for a cluster, as kubeadm's app/images for the chosen minor: control-plane images,
 * kube-proxy, etcd, CoreDNS and pause, honouring imageRepository, CI builds, unifiedControlPlaneImage
 * and the etcd/DNS overrides. One place, used by the manifests and by `kadm config images list`.
 */
import type { InitConfig } from "./model.ts";
import { parseVersion } from "./model.ts";
import { byPatch, type MinorInfo } from "./versions.ts";

export type KubernetesComponent =
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kube-proxy";

function patchOf(cfg: InitConfig): number {
  return parseVersion(cfg.cluster.kubernetesVersion)?.patch ?? 0;
}

/** `<repo>/<component>:<version>` (or the unified image); `+` in versions becomes `_` as in kubeadm. */
export function kubernetesImage(cfg: InitConfig, _info: MinorInfo, component: KubernetesComponent): string {
  const c = cfg.cluster;
  if (c.unifiedControlPlaneImage) return c.unifiedControlPlaneImage;
  const repo = c.ciImageRepository || c.imageRepository;
  return `${repo}/${component}:${c.kubernetesVersion.replaceAll("+", "_")}`;
}

export function etcdImage(cfg: InitConfig, info: MinorInfo): string {
  const local = cfg.cluster.etcd.local;
  const repo = local?.imageRepository || cfg.cluster.imageRepository;
  const tag = local?.imageTag || byPatch(info.etcd, patchOf(cfg));
  return `${repo}/etcd:${tag}`;
}

export function corednsImage(cfg: InitConfig, info: MinorInfo): string {
  const c = cfg.cluster;
  const patch = patchOf(cfg);
  const tag = c.dns.imageTag || byPatch(info.coredns, patch);
  if (c.dns.imageRepository) return `${c.dns.imageRepository}/coredns:${tag}`;
  // The default registry keeps CoreDNS under coredns/coredns from v1.21; custom registries stay flat.
  const isDefault = c.imageRepository === byPatch(info.defaultImageRepositoryByPatch, patch);
  return `${c.imageRepository}/${isDefault ? info.corednsImageName : "coredns"}:${tag}`;
}

export function pauseImage(cfg: InitConfig, info: MinorInfo): string {
  return `${cfg.cluster.imageRepository}/pause:${info.pause}`;
}

/** The images `kubeadm config images list` prints, in its order. */
export function imageList(cfg: InitConfig, info: MinorInfo): string[] {
  const out = [
    kubernetesImage(cfg, info, "kube-apiserver"),
    kubernetesImage(cfg, info, "kube-controller-manager"),
    kubernetesImage(cfg, info, "kube-scheduler"),
    kubernetesImage(cfg, info, "kube-proxy"),
  ];
  out.push(pauseImage(cfg, info));
  if (cfg.cluster.etcd.local) out.push(etcdImage(cfg, info));
  if (!cfg.cluster.dns.disabled) out.push(corednsImage(cfg, info));
  return out;
}
