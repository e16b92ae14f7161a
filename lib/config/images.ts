/**
 * `kadm config images list`: the images kubeadm of the chosen minor uses, in kubeadm's order
 * (GetControlPlaneImages): kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, pause,
 * etcd (local etcd only), coredns (unless dns.disabled). kube-proxy is left out when proxy.disabled.
 */
import type { InitConfig } from "../model.ts";
import { minorOf, parseVersion } from "../model.ts";
import { byPatch, minorInfo } from "../versions.ts";
import { imageTag } from "./finish.ts";

export function imagesFor(cfg: InitConfig): string[] {
  const c = cfg.cluster;
  const info = minorInfo(minorOf(c));
  const patch = parseVersion(c.kubernetesVersion)!.patch;
  const tag = imageTag(c.kubernetesVersion);
  const cpRepo = c.ciImageRepository || c.imageRepository;
  const core = (name: string) => c.unifiedControlPlaneImage || `${cpRepo}/${name}:${tag}`;
  const out = [core("kube-apiserver"), core("kube-controller-manager"), core("kube-scheduler")];
  if (!c.proxy.disabled) out.push(core("kube-proxy"));
  // pause is not published to the CI registry: always the cluster's registry.
  out.push(`${c.imageRepository}/pause:${info.pause}`);
  if (c.etcd.local) {
    const repo = c.etcd.local.imageRepository || c.imageRepository;
    out.push(`${repo}/etcd:${c.etcd.local.imageTag || byPatch(info.etcd, patch)}`);
  }
  if (!c.dns.disabled) {
    const repo = c.dns.imageRepository || c.imageRepository;
    // From v1.21 the official CoreDNS image lives at <default registry>/coredns/coredns.
    const path = info.minor >= 21 && repo === info.defaultImageRepository
      ? `${repo}/coredns/coredns`
      : `${repo}/coredns`;
    out.push(`${path}:${c.dns.imageTag || byPatch(info.coredns, patch)}`);
  }
  return [...new Set(out)];
}
