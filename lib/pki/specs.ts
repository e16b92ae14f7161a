/**
 * The certificates `kadm init` creates, as data (kubeadm's phases/certs/certlist.go), and their
 * per-config resolution: subject, usages, SANs (pkiutil.GetAPIServerAltNames / getAltNames),
 * serials and validity. Pure: no host access, no printing.
 */
import type { InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { UserError } from "../errors.ts";
import {
  apiServerVirtualIP,
  formatIP,
  isDNS1123Subdomain,
  isWildcardDNS1123Subdomain,
  parseHostPort,
  parseIP,
} from "../net.ts";

export type Usage = "serverAuth" | "clientAuth";
type OrgKey = keyof MinorInfo["certOrgs"];

/** One row of the certificate table. */
export interface CertDef {
  /** kubeadm's phase name: `kadm init phase certs <name>`. */
  readonly name: string;
  /** File base name under certificatesDir (`etcd/server` -> etcd/server.crt, etcd/server.key). */
  readonly baseName: string;
  readonly longName: string;
  /** Phase name of the signing CA; undefined for a CA. */
  readonly ca?: string;
  /** Common name; "<node>" is the node name. */
  readonly cn: string;
  /** Where the organizations come from (MinorInfo.certOrgs); none when absent. */
  readonly orgs?: OrgKey;
  readonly usages: readonly Usage[];
  readonly sans?: "apiserver" | "etcd-server" | "etcd-peer";
  /** Part of the local etcd tree (skipped with external etcd). */
  readonly etcd: boolean;
}

export const CERTS: readonly CertDef[] = [
  {
    name: "ca",
    baseName: "ca",
    longName: "self-signed Kubernetes CA to provision identities for other Kubernetes components",
    cn: "kubernetes",
    usages: [],
    etcd: false,
  },
  {
    name: "apiserver",
    baseName: "apiserver",
    longName: "certificate for serving the Kubernetes API",
    ca: "ca",
    cn: "kube-apiserver",
    usages: ["serverAuth"],
    sans: "apiserver",
    etcd: false,
  },
  {
    name: "apiserver-kubelet-client",
    baseName: "apiserver-kubelet-client",
    longName: "certificate for the API server to connect to kubelet",
    ca: "ca",
    cn: "kube-apiserver-kubelet-client",
    orgs: "apiserverKubeletClient",
    usages: ["clientAuth"],
    etcd: false,
  },
  {
    name: "front-proxy-ca",
    baseName: "front-proxy-ca",
    longName: "self-signed CA to provision identities for front proxy",
    cn: "front-proxy-ca",
    usages: [],
    etcd: false,
  },
  {
    name: "front-proxy-client",
    baseName: "front-proxy-client",
    longName: "certificate for the front proxy client",
    ca: "front-proxy-ca",
    cn: "front-proxy-client",
    usages: ["clientAuth"],
    etcd: false,
  },
  {
    name: "etcd-ca",
    baseName: "etcd/ca",
    longName: "self-signed CA to provision identities for etcd",
    cn: "etcd-ca",
    usages: [],
    etcd: true,
  },
  {
    name: "etcd-server",
    baseName: "etcd/server",
    longName: "certificate for serving etcd",
    ca: "etcd-ca",
    cn: "<node>",
    usages: ["serverAuth", "clientAuth"],
    sans: "etcd-server",
    etcd: true,
  },
  {
    name: "etcd-peer",
    baseName: "etcd/peer",
    longName: "certificate for etcd nodes to communicate with each other",
    ca: "etcd-ca",
    cn: "<node>",
    usages: ["serverAuth", "clientAuth"],
    sans: "etcd-peer",
    etcd: true,
  },
  {
    name: "etcd-healthcheck-client",
    baseName: "etcd/healthcheck-client",
    longName: "certificate for liveness probes to healthcheck etcd",
    ca: "etcd-ca",
    cn: "kube-etcd-healthcheck-client",
    orgs: "etcdHealthcheckClient",
    usages: ["clientAuth"],
    etcd: true,
  },
  {
    name: "apiserver-etcd-client",
    baseName: "apiserver-etcd-client",
    longName: "certificate the apiserver uses to access etcd",
    ca: "etcd-ca",
    cn: "kube-apiserver-etcd-client",
    orgs: "apiserverEtcdClient",
    usages: ["clientAuth"],
    etcd: true,
  },
];

/** The service-account key pair (not a certificate). */
export const SA = { name: "sa", key: "sa.key", pub: "sa.pub" } as const;

/**
 * How kubeadm's self-signed CA changed (client-go NewSelfSignedCACert, then kubeadm's own):
 * CN as DNS SAN from v1.22 (kubernetes#100324); random serial (kubernetes#117791) and
 * notBefore = now - 5 min (kubernetes#118922) from v1.28. Candidates for lib/versions.ts.
 */

/** kubeadm's CertificateBackdate. */
export const BACKDATE_MS = 5 * 60 * 1000;

/** A certificate resolved for one config. */
export interface CertSpec {
  readonly name: string;
  readonly baseName: string;
  readonly longName: string;
  readonly isCA: boolean;
  /** Resolved CA spec name and base name (leaves only). */
  readonly ca?: { readonly name: string; readonly baseName: string };
  readonly cn: string;
  readonly orgs: readonly string[];
  readonly usages: readonly Usage[];
  /** Sorted and de-duplicated, as kubeadm's RemoveDuplicateAltNames leaves them. */
  readonly dnsNames: readonly string[];
  /** Canonical text (Go's net.IP.String()), de-duplicated, in insertion order. */
  readonly ips: readonly string[];
  readonly etcd: boolean;
  /** SANs dropped because they are neither an IP nor a DNS name (kubeadm's klog warning text). */
  readonly warnings: readonly string[];
}

/** The certificates to create for `cfg`, in kubeadm's order; no etcd tree with external etcd. */
export function certSpecs(cfg: InitConfig, info: MinorInfo): CertSpec[] {
  const local = cfg.cluster.etcd.local;
  const byName = new Map(CERTS.map((d) => [d.name, d]));
  return CERTS.filter((d) => !d.etcd || local).map((d) => {
    const warnings: string[] = [];
    const alt = d.sans ? altNames(cfg, d.sans, warnings) : { dns: [], ips: [] };
    const isCA = d.ca === undefined;
    if (isCA && info.caCNAsSAN) alt.dns.push(d.cn);
    const ca = d.ca === undefined ? undefined : byName.get(d.ca)!;
    return {
      name: d.name,
      baseName: d.baseName,
      longName: d.longName,
      isCA,
      ...(ca ? { ca: { name: ca.name, baseName: ca.baseName } } : {}),
      cn: d.cn === "<node>" ? cfg.nodeRegistration.name : d.cn,
      orgs: d.orgs ? info.certOrgs[d.orgs] : [],
      usages: d.usages,
      dnsNames: [...new Set(alt.dns)].sort(),
      ips: [...new Set(alt.ips)],
      etcd: d.etcd,
      warnings,
    };
  });
}

function altNames(cfg: InitConfig, kind: NonNullable<CertDef["sans"]>, warnings: string[]) {
  const adv = parseIP(cfg.localAPIEndpoint.advertiseAddress);
  if (!adv) {
    throw new UserError(
      `Invalid value for localAPIEndpoint.advertiseAddress: "${cfg.localAPIEndpoint.advertiseAddress}" is not a valid IP address`,
    );
  }
  const node = cfg.nodeRegistration.name;
  if (kind === "apiserver") {
    const dns = [
      node,
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      `kubernetes.default.svc.${cfg.cluster.networking.dnsDomain}`,
    ];
    const ips = [formatIP(apiServerVirtualIP(cfg.cluster.networking.serviceSubnet)), formatIP(adv)];
    if (cfg.cluster.controlPlaneEndpoint !== "") {
      const { host } = parseHostPort(cfg.cluster.controlPlaneEndpoint, "controlPlaneEndpoint");
      const ip = parseIP(host);
      if (ip) ips.push(formatIP(ip));
      else dns.push(host);
    }
    appendSANs({ dns, ips }, cfg.cluster.apiServer.certSANs, "apiserver", warnings);
    return { dns, ips };
  }
  const out = { dns: [node, "localhost"], ips: [formatIP(adv), "127.0.0.1", "::1"] };
  const extra = kind === "etcd-server"
    ? cfg.cluster.etcd.local?.serverCertSANs
    : cfg.cluster.etcd.local?.peerCertSANs;
  appendSANs(out, extra ?? [], kind === "etcd-server" ? "etcd/server" : "etcd/peer", warnings);
  return out;
}

/** kubeadm's appendSANsToAltNames: IP, else DNS-1123 subdomain, else wildcard, else a warning. */
function appendSANs(
  alt: { dns: string[]; ips: string[] },
  sans: readonly string[],
  cert: string,
  warn: string[],
) {
  for (const s of sans) {
    const ip = parseIP(s);
    if (ip) alt.ips.push(formatIP(ip));
    else if (isDNS1123Subdomain(s) || isWildcardDNS1123Subdomain(s)) alt.dns.push(s);
    else {
      warn.push(
        `[certificates] WARNING: '${s}' was not added to the '${cert}' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`,
      );
    }
  }
}

/** Serial number: 0 for CAs before v1.28, otherwise uniform in [1, 2^63-1) like kubeadm. */
export function serialFor(spec: { readonly isCA: boolean }, info: MinorInfo): bigint {
  if (spec.isCA && !info.caRandomSerial) return 0n;
  const b = crypto.getRandomValues(new Uint8Array(8));
  const v = b.reduce((n, x) => (n << 8n) | BigInt(x), 0n) & ((1n << 63n) - 1n);
  return (v % ((1n << 63n) - 2n)) + 1n;
}

/**
 * Validity as kubeadm computes it. CA: notBefore = now (backdated 5 min from v1.28), notAfter = now +
 * caCertificateValidityPeriod. Leaf: v1.31+ notBefore = now - 5 min; before, the CA's notBefore;
 * notAfter = now + certificateValidityPeriod.
 */
export function validityFor(
  spec: { readonly isCA: boolean },
  cfg: InitConfig,
  info: MinorInfo,
  now: Date,
  caNotBefore?: Date,
): { notBefore: Date; notAfter: Date } {
  const t = now.getTime();
  if (spec.isCA) {
    const back = info.certBackdate || info.caBackdate;
    return {
      notBefore: new Date(back ? t - BACKDATE_MS : t),
      notAfter: new Date(t + cfg.cluster.caCertificateValidityPeriod * 1000),
    };
  }
  const notBefore = info.certBackdate || !caNotBefore ? new Date(t - BACKDATE_MS) : caNotBefore;
  return { notBefore, notAfter: new Date(t + cfg.cluster.certificateValidityPeriod * 1000) };
}
