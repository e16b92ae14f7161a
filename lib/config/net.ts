/**
 * Address checks kubeadm's validation does with Go's net package: IPv4/IPv6 addresses, CIDRs,
 * DNS-1123 names, host[:port]. Pure functions on strings.
 */

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

export function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Go refuses leading zeros ("010.0.0.1") since 1.17.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

export function parseIPv6(s: string): bigint | undefined {
  if (s.includes("%")) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): bigint[] | undefined => {
    if (h === "") return [];
    const out: bigint[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt("0x" + g));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const groups = [...head, ...Array<bigint>(8 - total).fill(0n), ...rest];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIP(s: string): IP | undefined {
  if (s.includes(":")) {
    const v = parseIPv6(s);
    return v === undefined ? undefined : { v6: true, value: v };
  }
  const v = parseIPv4(s);
  return v === undefined ? undefined : { v6: false, value: v };
}

export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
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

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

export function isDNS1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && SUBDOMAIN.test(s);
}

export function isWildcardDNS1123Subdomain(s: string): boolean {
  return s.startsWith("*.") && isDNS1123Subdomain(s.slice(2));
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
