/**
 * Addresses as kubeadm reads them with Go's net package: IPs (bytes, Go's ParseIP/String), CIDRs,
 * the well-known addresses of the service subnet, DNS-1123 names and host[:port]. Pure functions on
 * strings; the one place kadm parses an address.
 */
import { UserError } from "./errors.ts";

/** Go's ParseIPSloppy: IPv4 (leading zeros allowed) or IPv6; IPv4-mapped IPv6 comes back as 4 bytes. */
export function parseIP(s: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const p = s.split(".").map((x) => parseInt(x, 10));
    return p.every((x) => x <= 255) ? new Uint8Array(p) : undefined;
  }
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let text = s;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    const v4 = parseIP(s.slice(lastColon + 1));
    if (!v4 || v4.length !== 4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    text = s.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const back = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...back].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const n = head.length + back.length + tail.length;
  if (halves.length === 1 ? n !== 8 : n > 7) return undefined;
  const words = [
    ...head.map((g) => parseInt(g, 16)),
    ...new Array(8 - n).fill(0),
    ...back.map((g) => parseInt(g, 16)),
    ...tail,
  ];
  const b = new Uint8Array(words.flatMap((w) => [w >> 8, w & 0xff]));
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12) : b;
}

/** Go's net.IP.String(): dotted IPv4; IPv6 with the longest run (>= 2) of zero groups as "::". */
export function formatIP(b: Uint8Array): string {
  if (b.length === 4) return [...b].join(".");
  const w = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  return best < 0 ? hex(w) : `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** First address of the (first) service subnet: kubeadm's GetAPIServerVirtualIP. */
export function apiServerVirtualIP(serviceSubnet: string): Uint8Array {
  return subnetIP(serviceSubnet, 1);
}

/** The DNS service address: the 10th of the (first) service subnet (kubeadm's GetDNSIP). */
export function dnsServiceIP(serviceSubnet: string): string {
  return formatIP(subnetIP(serviceSubnet, 10));
}

/** The n-th address of the first CIDR of a (dual-stack) list. */
export function subnetIP(serviceSubnet: string, n: number): Uint8Array {
  const first = serviceSubnet.split(",")[0]!.trim();
  const [addr, bits] = first.split("/");
  const ip = addr === undefined ? undefined : parseIP(addr);
  const prefix = Number(bits);
  if (!ip || bits === undefined || !/^\d+$/.test(bits) || prefix > ip.length * 8) {
    throw new UserError(
      `Invalid value for networking.serviceSubnet: "${serviceSubnet}" is not a valid CIDR: use a form like 10.96.0.0/12`,
    );
  }
  const out = ip.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  let carry = n;
  for (let i = out.length - 1; i >= 0 && carry > 0; i--) {
    const sum = out[i]! + (carry & 0xff);
    out[i] = sum & 0xff;
    carry = (carry >> 8) + (sum >> 8);
  }
  return out;
}

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const WILDCARD = new RegExp(`^\\*\\.${LABEL}(\\.${LABEL})*$`);

export function isDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && SUBDOMAIN.test(s);
}

export function isWildcardDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && WILDCARD.test(s);
}

/** kubeadm's ParseHostPort: "host", "host:port", "[v6]:port" or a bare IPv6; `field` names the setting. */
export function parseHostPort(s: string, field: string): { host: string; port: string } {
  let host = s, port = "";
  const m = /^\[([^\]]*)\]:([^:]*)$/.exec(s) ?? /^([^:[\]]*):([^:]*)$/.exec(s);
  if (m) [host, port] = [m[1]!, m[2]!];
  if (port !== "" && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new UserError(`Invalid value for ${field}: "${s}": port must be a number between 1 and 65535`);
  }
  if (!parseIP(host) && !isDNS1123Subdomain(host)) {
    throw new UserError(
      `Invalid value for ${field}: "${s}": host must be a valid IP address or a valid RFC-1123 DNS subdomain`,
    );
  }
  return { host, port };
}

// ---------------------------------------------------------------- validation

export interface IP {
  readonly v6: boolean;
  readonly value: bigint;
}

export interface CIDR {
  readonly ip: IP;
  readonly prefix: number;
  /** First address of the network (host bits cleared). */
  readonly base: bigint;
}

/** A parsed address for validation: family and value. Stricter than Go's sloppy parse: no leading zeros. */
export function parseIPValue(s: string): IP | undefined {
  if (!s.includes(":") && s.split(".").some((p) => /^0\d/.test(p))) return undefined;
  const b = parseIP(s);
  if (!b) return undefined;
  const v6 = s.includes(":");
  const full = v6 && b.length === 4 ? new Uint8Array([...new Array(10).fill(0), 0xff, 0xff, ...b]) : b;
  return { v6, value: full.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n) };
}

export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIPValue(s.slice(0, slash));
  const pfx = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9]\d{0,2})$/.test(pfx)) return undefined;
  const prefix = Number(pfx);
  const bits = ip.v6 ? 128 : 32;
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { ip, prefix, base: (ip.value >> hostBits) << hostBits };
}

export function cidrBits(c: CIDR): number {
  return c.ip.v6 ? 128 : 32;
}

export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  if (a.ip.v6 !== b.ip.v6) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  const shift = BigInt(cidrBits(a) - prefix);
  return (a.base >> shift) === (b.base >> shift);
}

/** Go's IP.IsGlobalUnicast, plus loopback (kubeadm allows it for the API server address). */
export function isUsableAdvertiseIP(ip: IP): boolean {
  if (!ip.v6) {
    const v = ip.value;
    if (v >> 24n === 127n) return true;
    if (v === 0n || v === 0xffffffffn) return false;
    if (v >> 28n === 0xen) return false; // multicast
    if (v >> 16n === 0xa9fen) return false; // link-local 169.254/16
    return true;
  }
  const v = ip.value;
  if (v === 1n) return true;
  if (v === 0n) return false;
  if (v >> 120n === 0xffn) return false; // multicast
  if (v >> 118n === 0x3fan) return false; // fe80::/10
  return true;
}

/** kubeadm's ParseHostPort: `host`, `host:port`, `[v6]:port`, bare v6. Returns an error text or undefined. */
export function checkHostPort(s: string): string | undefined {
  let host = s;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    port = bracket[2];
  } else if ((s.match(/:/g) ?? []).length === 1) {
    [host, port] = s.split(":") as [string, string];
  }
  if (port !== undefined && !isPort(port)) {
    return `port must be a valid number between 1 and 65535, inclusive`;
  }
  if (parseIP(host)) return undefined;
  if (isDNS1123Subdomain(host)) return undefined;
  return `host must be a valid IP address or a valid RFC-1123 DNS subdomain`;
}

function isPort(p: string): boolean {
  return /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;
}
