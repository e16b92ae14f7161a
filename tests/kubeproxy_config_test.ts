/** The zero-valued KubeProxyConfiguration per minor: field sets pinned to real kubeadm ConfigMaps and CHANGELOGs. */
import { assertEquals } from "./_std.ts";
import { kubeProxyZeroConfig } from "../lib/objects/kubeproxy_config.ts";

type Rec = Record<string, unknown>;

const has = (minor: number, path: string): boolean => {
  let cur: unknown = kubeProxyZeroConfig(minor);
  for (const k of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !(k in (cur as Rec))) return false;
    cur = (cur as Rec)[k];
  }
  return true;
};

Deno.test("v1.23 marshals the same fields as v1.20 (a real kubeadm v1.23.9 kube-proxy ConfigMap)", () => {
  assertEquals(kubeProxyZeroConfig(23), kubeProxyZeroConfig(20));
});

Deno.test("each later kube-proxy field appears from the minor that introduced it", () => {
  const since: [string, (m: number) => boolean][] = [
    ["detectLocal.bridgeInterface", (m) => m >= 24],
    ["winkernel.rootHnsEndpointName", (m) => m >= 24],
    ["winkernel.forwardHealthCheckVip", (m) => m >= 24],
    ["iptables.localhostNodePorts", (m) => m >= 26], // kubernetes#108250
    ["udpIdleTimeout", (m) => m <= 25], // removed with the userspace proxy, kubernetes#112133
    ["logging.options.json", (m) => m >= 28], // kubernetes#117800
    ["conntrack.tcpBeLiberal", (m) => m >= 29], // kubernetes#120354
    ["nftables.masqueradeAll", (m) => m >= 29],
    ["logging.options.text", (m) => m >= 30],
  ];
  for (let m = 20; m <= 34; m++) {
    for (const [path, want] of since) assertEquals(has(m, path), want(m), `v1.${m} ${path}`);
  }
});
