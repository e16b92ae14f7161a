/** Small IP/CIDR arithmetic (IPv4 and IPv6) for the service subnet's well-known addresses. */

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split("::").length > 2) return undefined;
  const [head, tail] = s.includes("::") ? s.split("::") as [string, string] : [s, undefined];
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - h.length - t.length;
  if ((tail === undefined && missing !== 0) || missing < 0) return undefined;
  let v = 0n;
  for (const g of [...h, ...Array(tail === undefined ? 0 : missing).fill("0"), ...t]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

export interface ParsedIP {
  readonly v6: boolean;
  readonly value: bigint;
}

export function parseIP(s: string): ParsedIP | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseIPv6(s);
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

export function formatIP(ip: ParsedIP): string {
  if (!ip.v6) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 255n)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // Compress the longest run of zero groups (RFC 5952), as Go's net.IP.String does.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function parseCIDR(s: string): { ip: ParsedIP; bits: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return undefined;
  const ip = parseIP(m[1]!);
  const bits = Number(m[2]);
  if (!ip || bits > (ip.v6 ? 128 : 32)) return undefined;
  return { ip, bits };
}

/** The n-th address of a subnet (n = 1: the API server's service VIP; n = 10: the DNS service). */
export function nthIP(cidr: string, n: number): string {
  const c = parseCIDR(cidr);
  if (!c) throw new Error(`internal: bad CIDR ${cidr}`);
  const width = c.ip.v6 ? 128n : 32n;
  const host = width - BigInt(c.bits);
  const base = (c.ip.value >> host) << host;
  const size = 1n << host;
  if (BigInt(n) >= size) throw new Error(`the subnet ${cidr} is too small for its ${n}th address`);
  return formatIP({ v6: c.ip.v6, value: base + BigInt(n) });
}

/** The first CIDR of a comma-separated (dual-stack) list. */
export function firstCIDR(list: string): string {
  return list.split(",")[0]!.trim();
}
