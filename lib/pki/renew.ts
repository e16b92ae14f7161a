/**
 * Renewal of a leaf certificate as kubeadm's `certs renew` does it (RenewUsingLocalCA): the same
 * subject, SANs, usages and key, a new serial and validity, signed by the same CA. Pure: the caller
 * reads and writes the files. A CA is never renewed.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { type Certificate, type CertTemplate, sanList } from "./certs.ts";
import { BACKDATE_MS, type Usage } from "./specs.ts";

/** kubeadm's default certificateValidityPeriod (8760h). */
export const DEFAULT_LEAF_VALIDITY_SECONDS = 365 * 24 * 3600;

const EKU: Readonly<Record<string, Usage>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
};

function randomSerial(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(8));
  const v = b.reduce((n, x) => (n << 8n) | BigInt(x), 0n) & ((1n << 63n) - 1n);
  return (v % ((1n << 63n) - 2n)) + 1n;
}

/** The template that re-issues `cert` from `now` (backdated 5 minutes) for `validitySeconds`. */
export function renewalTemplate(cert: Certificate, now: Date, validitySeconds: number): CertTemplate {
  const field = (name: string) => cert.subjectName.getField(name);
  const ekus = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  const { dnsNames, ips } = sanList(cert);
  return {
    cn: field("CN")[0] ?? "",
    orgs: field("O"),
    dnsNames,
    ips,
    usages: ekus.map((u) => EKU[String(u)]).filter((u): u is Usage => u !== undefined),
    isCA: false,
    leafBasicConstraints: cert.getExtension(x509.BasicConstraintsExtension) !== null,
    serial: randomSerial(),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validitySeconds * 1000),
  };
}
