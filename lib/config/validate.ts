/**
 * Semantic checks on the finished model, after kubeadm's validation.go (ValidateInitConfiguration):
 * addresses, ports, CIDRs (single and dual stack, sizes, node masks), names, tokens, paths.
 * Every problem names the user's field (and line) through the origins map.
 */
import type { InitConfig } from "../model.ts";
import { minorOf } from "../model.ts";
import { minorInfo } from "../versions.ts";
import {
  checkHostPort,
  type CIDR,
  cidrBits,
  cidrsOverlap,
  isDNS1123Subdomain,
  isUsableAdvertiseIP,
  isWildcardDNS1123Subdomain,
  parseCIDR,
  parseIPValue,
} from "../net.ts";
import type { Origins, Problems } from "./problems.ts";

const TOKEN_RE = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const KNOWN_USAGES = ["signing", "authentication"];
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MIN_SERVICE_ADDRESSES = 10;
const MIN_POD_ADDRESSES = 14;
const MAX_SERVICE_BITS = 20;
const MAX_NODE_MASK_DIFF = 16;

/** `partial`: host facts were not filled in (config migrate); empty node name, address and tokens pass. */
export function validateInitConfig(
  cfg: InitConfig,
  origins: Origins,
  problems: Problems,
  warnings: string[],
  partial = false,
): void {
  const label = (model: string, fallback: string) => origins.get(model) ?? fallback;
  const bad = (model: string, fallback: string, value: unknown, why: string) =>
    problems.add(`Invalid value for ${label(model, fallback)}: ${JSON.stringify(value)} ${why}`);
  const c = cfg.cluster;

  // --- API endpoint ---
  const adv = cfg.localAPIEndpoint.advertiseAddress;
  const ip = parseIPValue(adv);
  if (adv === "") {
    /* partial: detected at init time; else finish.ts already reported the failed detection */
  } else if (!ip) {
    bad(
      "localAPIEndpoint.advertiseAddress",
      "localAPIEndpoint.advertiseAddress",
      adv,
      "is not a valid IP address",
    );
  } else if (!isUsableAdvertiseIP(ip)) {
    bad(
      "localAPIEndpoint.advertiseAddress",
      "localAPIEndpoint.advertiseAddress",
      adv,
      "cannot be used as the API server's address (unspecified, multicast or link-local)",
    );
  }
  const port = cfg.localAPIEndpoint.bindPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    bad("localAPIEndpoint.bindPort", "localAPIEndpoint.bindPort", port, "is not a valid port: use 1-65535");
  }
  if (c.controlPlaneEndpoint !== "") {
    const err = checkHostPort(c.controlPlaneEndpoint);
    if (err) {
      bad(
        "controlPlaneEndpoint",
        "controlPlaneEndpoint",
        c.controlPlaneEndpoint,
        `is not host[:port]: ${err}`,
      );
    }
  }

  // --- networking ---
  const gates = minorInfo(minorOf(c)).featureGates;
  const dualStack = c.featureGates.IPv6DualStack ?? gates.IPv6DualStack ?? true;
  const svc = cidrList(
    c.networking.serviceSubnet,
    "networking.serviceSubnet",
    "networking.serviceSubnet",
    MIN_SERVICE_ADDRESSES,
  );
  for (const s of svc) {
    if (cidrBits(s) - s.prefix > MAX_SERVICE_BITS) {
      bad(
        "networking.serviceSubnet",
        "networking.serviceSubnet",
        c.networking.serviceSubnet,
        `is too large; the mask must be >= ${cidrBits(s) - MAX_SERVICE_BITS}`,
      );
    }
  }
  const pods = c.networking.podSubnet === ""
    ? []
    : cidrList(c.networking.podSubnet, "networking.podSubnet", "networking.podSubnet", MIN_POD_ADDRESSES);
  const allocate = lastArg(c.controllerManager.extraArgs, "allocate-node-cidrs") !== "false";
  for (const p of allocate ? pods : []) {
    const nodeMask = nodeMaskFor(cfg, p.ip.v6, pods.length > 1);
    if (nodeMask === undefined) continue;
    if (p.prefix > nodeMask) {
      bad(
        "networking.podSubnet",
        "networking.podSubnet",
        c.networking.podSubnet,
        `is smaller than the node subnet: its mask /${p.prefix} must be <= the node mask /${nodeMask}`,
      );
    } else if (nodeMask - p.prefix > MAX_NODE_MASK_DIFF) {
      bad(
        "networking.podSubnet",
        "networking.podSubnet",
        c.networking.podSubnet,
        `is too large for the node mask /${nodeMask}: the difference must be <= ${MAX_NODE_MASK_DIFF}`,
      );
    }
  }
  // kubeadm does not check this; kadm refuses it because such a cluster never routes correctly.
  for (const p of pods) {
    for (const s of svc) {
      if (cidrsOverlap(p, s)) {
        bad(
          "networking.podSubnet",
          "networking.podSubnet",
          c.networking.podSubnet,
          `overlaps the service subnet ${c.networking.serviceSubnet}; choose disjoint ranges`,
        );
      }
    }
  }
  if (!isDNS1123Subdomain(c.networking.dnsDomain)) {
    bad(
      "networking.dnsDomain",
      "networking.dnsDomain",
      c.networking.dnsDomain,
      "is not a valid DNS subdomain (lower-case letters, digits, '-' and '.')",
    );
  }

  function cidrList(text: string, model: string, fallback: string, min: number): CIDR[] {
    const parts = text.split(",").map((s) => s.trim());
    const out: CIDR[] = [];
    for (const part of parts) {
      const cidr = parseCIDR(part);
      if (!cidr) {
        bad(
          model,
          fallback,
          text,
          `is not a valid CIDR${parts.length > 1 ? ` (${JSON.stringify(part)})` : ""}`,
        );
        return [];
      }
      out.push(cidr);
    }
    if (out.length > 1 && !dualStack) {
      bad(
        model,
        fallback,
        text,
        "has more than one CIDR; only one is allowed without the IPv6DualStack feature gate",
      );
      return [];
    }
    if (out.length > 2 || (out.length === 2 && out[0]!.ip.v6 === out[1]!.ip.v6)) {
      bad(model, fallback, text, "must be one CIDR, or one IPv4 and one IPv6 CIDR for dual-stack");
      return [];
    }
    for (const s of out) {
      const hostBits = cidrBits(s) - s.prefix;
      if (hostBits < 31 && 2 ** hostBits < min) {
        bad(model, fallback, text, `is too small: it must hold at least ${min} addresses`);
      }
    }
    return out;
  }

  // --- names and SANs ---
  const name = cfg.nodeRegistration.name;
  if (!(partial && name === "") && !isDNS1123Subdomain(name)) {
    bad(
      "nodeRegistration.name",
      "nodeRegistration.name",
      name,
      "is not a valid node name: use a lower-case DNS-1123 subdomain (letters, digits, '-' and '.')",
    );
  }
  const sans = (list: readonly string[], model: string) => {
    for (const s of list) {
      if (!isDNS1123Subdomain(s) && !isWildcardDNS1123Subdomain(s) && !parseIPValue(s)) {
        bad(model, model, s, "is not a valid IP address, DNS name or wildcard DNS name");
      }
    }
  };
  sans(c.apiServer.certSANs, "apiServer.certSANs");
  if (c.etcd.local) {
    sans(c.etcd.local.serverCertSANs, "etcd.local.serverCertSANs");
    sans(c.etcd.local.peerCertSANs, "etcd.local.peerCertSANs");
    if (!c.etcd.local.dataDir.startsWith("/")) {
      bad("etcd.local.dataDir", "etcd.local.dataDir", c.etcd.local.dataDir, "is not an absolute path");
    }
  } else {
    const x = c.etcd.external;
    if (x.endpoints.length === 0) {
      bad(
        "etcd.external.endpoints",
        "etcd.external.endpoints",
        x.endpoints,
        "is empty; list the etcd client URLs",
      );
    }
    for (const e of x.endpoints) {
      if (!/^https?:\/\/[^\s/]+/.test(e)) {
        bad("etcd.external.endpoints", "etcd.external.endpoints", e, "is not an http(s):// URL");
      }
    }
    if (x.endpoints.some((e) => e.startsWith("https://")) && (!x.caFile || !x.certFile || !x.keyFile)) {
      bad(
        "etcd.external.endpoints",
        "etcd.external",
        x.endpoints,
        "uses https, so caFile, certFile and keyFile must all be set",
      );
    }
  }
  if (!c.certificatesDir.startsWith("/")) {
    bad("certificatesDir", "certificatesDir", c.certificatesDir, "is not an absolute path");
  }

  // --- tokens and keys ---
  cfg.bootstrapTokens.forEach((t, i) => {
    const m = `bootstrapTokens[${i}]`;
    if (!(partial && t.token === "") && !TOKEN_RE.test(t.token)) {
      bad(
        `${m}.token`,
        `${m}.token`,
        t.token,
        "is not a valid bootstrap token: it must match [a-z0-9]{6}.[a-z0-9]{16}",
      );
    }
    if (t.ttl < 0) bad(`${m}.token`, `${m}.ttl`, t.ttl, "must not be negative");
    if (t.expires !== "" && !RFC3339.test(t.expires)) {
      bad(`${m}.expires`, `${m}.expires`, t.expires, "is not an RFC 3339 time");
    }
    for (const u of t.usages) {
      if (!KNOWN_USAGES.includes(u)) {
        bad(`${m}.usages`, `${m}.usages`, u, "is not a token usage (signing, authentication)");
      }
    }
    for (const g of t.groups) {
      if (!GROUP_RE.test(g)) {
        bad(`${m}.groups`, `${m}.groups`, g, "must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
      }
    }
  });
  if (cfg.certificateKey !== "" && !/^[0-9a-fA-F]{64}$/.test(cfg.certificateKey)) {
    bad(
      "certificateKey",
      "certificateKey",
      cfg.certificateKey,
      "is not a certificate key: use 64 hex digits (32 bytes), e.g. from 'kadm certs certificate-key'",
    );
  }
  for (const k of ["certificateValidityPeriod", "caCertificateValidityPeriod"] as const) {
    if (c[k] <= 0) bad(k, k, c[k], "must be a positive duration");
  }
  if (c.certificateValidityPeriod > c.caCertificateValidityPeriod) {
    warnings.push(
      `${
        label("certificateValidityPeriod", "certificateValidityPeriod")
      } is longer than caCertificateValidityPeriod; certificates will be cut to the CA's lifetime`,
    );
  }
}

function lastArg(args: readonly { name: string; value: string }[], name: string): string | undefined {
  return args.filter((a) => a.name === name).at(-1)?.value;
}

/** kube-controller-manager's node CIDR mask: user's extra args, else 24 (IPv4) / 64 (IPv6). */
function nodeMaskFor(cfg: InitConfig, v6: boolean, dual: boolean): number | undefined {
  const args = cfg.cluster.controllerManager.extraArgs;
  const specific = lastArg(args, v6 ? "node-cidr-mask-size-ipv6" : "node-cidr-mask-size-ipv4");
  const generic = dual ? undefined : lastArg(args, "node-cidr-mask-size");
  const text = specific ?? generic;
  if (text === undefined) return v6 ? 64 : 24;
  const n = Number(text);
  return Number.isInteger(n) ? n : undefined;
}
