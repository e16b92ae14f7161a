/**
 * The `kubeadm.kubernetes.io/component-config.hash` annotation (kubeadm's componentconfigs/checksums.go):
 * SHA-256 over the ConfigMap's `data` values (not the keys), in sorted key order, then its `binaryData`
 * values likewise; written as `sha256:<hex>`. kubeadm signs the kubelet and kube-proxy ConfigMaps only
 * when it generated the configuration itself (no user KubeletConfiguration / KubeProxyConfiguration).
 */
import { createHash } from "node:crypto";

export const COMPONENT_CONFIG_HASH = "kubeadm.kubernetes.io/component-config.hash";

export function configMapChecksum(
  data: Readonly<Record<string, string>>,
  binaryData: Readonly<Record<string, Uint8Array>> = {},
): string {
  const h = createHash("sha256");
  for (const k of Object.keys(data).sort(byteOrder)) h.update(data[k]!, "utf8");
  for (const k of Object.keys(binaryData).sort(byteOrder)) h.update(binaryData[k]!);
  return `sha256:${h.digest("hex")}`;
}

/** Go's sort.Strings order (bytewise), which differs from localeCompare. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
