/**
 * HTTPProxy and HTTPProxyCIDR: would an HTTPS request to the API server address, or to the first
 * address of a Service / Pod CIDR, go through a proxy? Go's http.ProxyFromEnvironment rules
 * (golang.org/x/net/http/httpproxy) on HTTPS_PROXY / https_proxy and NO_PROXY / no_proxy.
 */
import { formatIP, parseCIDR, parseIP, parseIPValue, subnetIP } from "../net.ts";
import type { PreflightHost } from "./host.ts";
import { type Check, finding, ok } from "./types.ts";

/** The proxy URL an HTTPS request to `host` (no port, IPv6 without brackets) would use, or undefined. */
export function httpsProxyFor(h: Pick<PreflightHost, "env">, host: string, port: string): string | undefined {
  const raw = h.env("HTTPS_PROXY") || h.env("https_proxy") || "";
  if (raw === "") return undefined;
  const proxy = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw) ? raw : `http://${raw}`;
  const lower = host.toLowerCase();
  if (lower === "localhost") return undefined;
  const ip = parseIPValue(host);
  if (ip && isLoopback(host)) return undefined;
  const noProxy = h.env("NO_PROXY") || h.env("no_proxy") || "";
  for (const entry0 of noProxy.split(",")) {
    const entry = entry0.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return undefined;
    const cidr = entry.includes("/") ? parseCIDR(entry) : undefined;
    if (cidr) {
      if (ip && ip.v6 === cidr.ip.v6) {
        const shift = BigInt((cidr.ip.v6 ? 128 : 32) - cidr.prefix);
        if ((ip.value >> shift) === (cidr.base >> shift)) return undefined;
      }
      continue;
    }
    let [name, entryPort] = splitHostPort(entry);
    if (entryPort !== "" && entryPort !== port) continue;
    const entryIP = parseIPValue(name);
    if (entryIP) {
      if (ip && entryIP.v6 === ip.v6 && entryIP.value === ip.value) return undefined;
      continue;
    }
    if (name.startsWith("*.")) name = name.slice(1);
    if (name.startsWith(".")) {
      if (lower.endsWith(name)) return undefined;
    } else if (lower === name || lower.endsWith("." + name)) return undefined;
  }
  return proxy;
}

function splitHostPort(s: string): [string, string] {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return [v6[1]!, v6[2] ?? ""];
  const m = /^([^:]+):(\d+)$/.exec(s);
  return m ? [m[1]!, m[2]!] : [s, ""];
}

function isLoopback(host: string): boolean {
  const b = parseIP(host);
  if (!b) return false;
  if (b.length === 4) return b[0] === 127;
  return b.every((x, i) => (i === 15 ? x === 1 : x === 0));
}

export function httpProxyCheck(advertiseAddress: string): Check {
  return {
    name: "HTTPProxy",
    severity: "warning",
    run(h) {
      const v6 = advertiseAddress.includes(":");
      const url = v6 ? `https://[${advertiseAddress}]:1234` : `https://${advertiseAddress}`;
      const proxy = httpsProxyFor(h, advertiseAddress, v6 ? "1234" : "443");
      if (!proxy) return Promise.resolve(ok);
      return Promise.resolve([
        finding(
          `Connection to "${url}" uses proxy "${proxy}". If that is not intended, adjust your proxy settings`,
        ),
      ]);
    },
  };
}

export function httpProxyCIDRCheck(cidr: string): Check {
  return {
    name: "HTTPProxyCIDR",
    severity: "warning",
    run(h) {
      if (cidr === "") return Promise.resolve(ok);
      if (!parseCIDR(cidr) && !/^[0-9a-fA-F:.]+\/\d+$/.test(cidr)) {
        return Promise.resolve([
          finding(`error parsing CIDR "${cidr}": invalid CIDR address: ${cidr}`, "error"),
        ]);
      }
      let first: string;
      try {
        first = formatIP(subnetIP(cidr, 1));
      } catch {
        return Promise.resolve([
          finding(`error parsing CIDR "${cidr}": invalid CIDR address: ${cidr}`, "error"),
        ]);
      }
      const proxy = httpsProxyFor(h, first, "1234");
      if (!proxy) return Promise.resolve(ok);
      return Promise.resolve([
        finding(
          `connection to "${cidr}" uses proxy "${proxy}". This may lead to malfunctional cluster setup. Make sure ` +
            `that Pod and Services IP ranges specified correctly as exceptions in proxy configuration`,
        ),
      ]);
    },
  };
}
