/**
 * Host facts `kadm init` defaults from: the default-route IPv4 address, the host name and fresh
 * bootstrap tokens. The loader receives them as injected functions (see finish.ts HostFacts).
 */
import { UserError } from "../errors.ts";
import { hostname } from "../host.ts";
import type { HostFacts } from "./finish.ts";
import { isUsableAdvertiseIP, parseIPValue } from "../net.ts";

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}` from crypto.getRandomValues (unbiased). */
export function randomToken(
  random: (buf: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const chars: string[] = [];
  while (chars.length < 22) {
    for (const b of random(new Uint8Array(32))) {
      if (b < 252 && chars.length < 22) chars.push(TOKEN_CHARS[b % 36]!);
    }
  }
  return `${chars.slice(0, 6).join("")}.${chars.slice(6).join("")}`;
}

interface Iface {
  readonly name: string;
  readonly family: "IPv4" | "IPv6";
  readonly address: string;
}

/**
 * The IPv4 address of the interface holding the default route (lowest metric), as kubeadm's
 * ChooseHostInterface does. Throws a UserError asking for an explicit address when there is none.
 */
export function defaultAdvertiseAddress(
  routeTable: string = readRoutes(),
  interfaces: readonly Iface[] = Deno.networkInterfaces(),
): string {
  const routes = routeTable.split("\n").slice(1).map((l) => l.trim().split(/\s+/)).filter((f) =>
    f.length >= 8
  );
  const defaults = routes
    .filter((f) => f[1] === "00000000" && f[7] === "00000000" && (parseInt(f[3]!, 16) & 1) === 1)
    .sort((a, b) => Number(a[6]) - Number(b[6]));
  for (const r of defaults) {
    for (const i of interfaces) {
      if (i.name !== r[0] || i.family !== "IPv4") continue;
      const ip = parseIPValue(i.address);
      if (ip && isUsableAdvertiseIP(ip) && ip.value >> 24n !== 127n) return i.address;
    }
  }
  throw new UserError(
    "Cannot choose an advertise address: no default route with an IPv4 address was found; set --apiserver-advertise-address or localAPIEndpoint.advertiseAddress",
  );
}

function readRoutes(): string {
  try {
    return Deno.readTextFileSync("/proc/net/route");
  } catch (e) {
    // No /proc (not Linux): no default route to find. Anything else (permissions) is a real error.
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
}

/** The real host, for main.ts. */
export function realHostFacts(): HostFacts {
  return { hostname, advertiseAddress: () => defaultAdvertiseAddress(), randomToken: () => randomToken() };
}
