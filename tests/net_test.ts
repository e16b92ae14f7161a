/** lib/net.ts: the one address parser (Go's net semantics) and the service subnet's addresses. */
import { assert, assertEquals } from "./_std.ts";
import {
  apiServerVirtualIP,
  dnsServiceIP,
  formatIP,
  parseCIDR,
  parseIP,
  parseIPValue,
  subnetIP,
} from "../lib/net.ts";

Deno.test("the service subnet's 1st and 10th addresses, IPv4, IPv6 and dual-stack lists", () => {
  assertEquals(formatIP(apiServerVirtualIP("10.96.0.0/12")), "10.96.0.1");
  assertEquals(dnsServiceIP("10.96.0.0/12"), "10.96.0.10");
  assertEquals(dnsServiceIP("fd00:10:96::/108,10.96.0.0/12"), "fd00:10:96::a");
  assertEquals(dnsServiceIP("10.96.5.7/16"), "10.96.0.10");
  assertEquals(formatIP(subnetIP("10.0.0.0/8", 300)), "10.0.1.44");
});

Deno.test("IPs format as Go prints them", () => {
  assertEquals(formatIP(parseIP("0:0:0:0:0:0:0:1")!), "::1");
  assertEquals(formatIP(parseIP("fd00:0:0:1::10")!), "fd00:0:0:1::10");
  assertEquals(formatIP(parseIP("::ffff:10.0.0.1")!), "10.0.0.1");
});

Deno.test("validation parsing refuses what kubeadm's validation refuses", () => {
  assertEquals(parseIPValue("010.0.0.1"), undefined);
  assertEquals(parseIPValue("10.0.0.256"), undefined);
  assertEquals(parseIPValue("fd00::1::2"), undefined);
  assert(parseIPValue("fd00::1")?.v6);
  assertEquals(parseCIDR("10.244.0.0/33"), undefined);
  assertEquals(parseCIDR("10.244.0.0/16")?.prefix, 16);
});
