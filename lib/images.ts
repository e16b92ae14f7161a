/**
 * Image names for a cluster, as kubeadm's app/images for the chosen minor: control-plane images,
 * kube-proxy, etcd, CoreDNS and pause, honouring imageRepository, CI builds, unifiedControlPlaneImage
 * and the etcd/DNS overrides. One place, used by the manifests and by `kadm config images list`.
 */
import type { InitConfig } from "./model.ts";
import { parseVersion } from "./model.ts";
import { byPatch, defaultImageRepository, type MinorInfo } from "./versions.ts";

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
  const repo = c.dns.imageRepository || c.imageRepository;
  // kubeadm's GetDNSImage: the official registry keeps CoreDNS at coredns/coredns from v1.21.
  const isDefault = repo === defaultImageRepository(info, patch);
  return `${repo}/${isDefault ? info.corednsImageName : "coredns"}:${tag}`;
}

/** kubeadm v1.20's KubeDNSVersion (constants.go); the same tag for the three kube-dns images. */
export const KUBE_DNS_VERSION = "1.14.13";

/** The kube-dns images (kubeadm's GetDNSImage with KubeDNS*ImageName), honouring the dns overrides. */
export function kubeDnsImages(
  cfg: InitConfig,
  _info: MinorInfo,
): { kubeDns: string; sidecar: string; dnsmasqNanny: string } {
  const c = cfg.cluster;
  const repo = c.dns.imageRepository || c.imageRepository;
  const tag = c.dns.imageTag || KUBE_DNS_VERSION;
  return {
    kubeDns: `${repo}/k8s-dns-kube-dns:${tag}`,
    sidecar: `${repo}/k8s-dns-sidecar:${tag}`,
    dnsmasqNanny: `${repo}/k8s-dns-dnsmasq-nanny:${tag}`,
  };
}

export function pauseImage(cfg: InitConfig, info: MinorInfo): string {
  return `${cfg.cluster.imageRepository}/pause:${info.pause}`;
}

/**
 * The images `kubeadm config images list` prints, in kubeadm's order (GetControlPlaneImages):
 * kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy (unless proxy.disabled), pause
 * (always from the cluster registry: it is not published to the CI one), etcd (local etcd only),
 * coredns or, with dns.type kube-dns, k8s-dns-kube-dns, k8s-dns-sidecar and k8s-dns-dnsmasq-nanny
 * (unless dns.disabled); a unified control-plane image is listed once.
 */
export function imageList(cfg: InitConfig, info: MinorInfo): string[] {
  const c = cfg.cluster;
  const out = [
    kubernetesImage(cfg, info, "kube-apiserver"),
    kubernetesImage(cfg, info, "kube-controller-manager"),
    kubernetesImage(cfg, info, "kube-scheduler"),
  ];
  if (!c.proxy.disabled) out.push(kubernetesImage(cfg, info, "kube-proxy"));
  out.push(pauseImage(cfg, info));
  if (c.etcd.local) out.push(etcdImage(cfg, info));
  if (!c.dns.disabled && c.dns.type === "kube-dns") {
    const k = kubeDnsImages(cfg, info);
    out.push(k.kubeDns, k.sidecar, k.dnsmasqNanny);
  } else if (!c.dns.disabled) out.push(corednsImage(cfg, info));
  return [...new Set(out)];
}
