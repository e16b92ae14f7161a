/**
 * Certificates for the test API server and its clients, made with lib/pki: a cluster CA (or the one
 * given), the serving certificate (SANs 127.0.0.1 and localhost unless asked otherwise, signed by the
 * cluster CA or by an unrelated CA), client certificates, and the check of a presented client
 * certificate against the CA (signature, validity window, clientAuth usage) that kube-apiserver's x509
 * authenticator makes.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import {
  type Certificate,
  certToPem,
  createCertificate,
  isSignedBy,
  parseCertsPem,
} from "../../lib/pki/certs.ts";
import { parsePrivateKeyPem, privateKeyToPem } from "../../lib/pki/keys.ts";

/** A certificate and its key, as PEM. */
export interface CertPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA able to sign: its certificate and key as PEM and as objects. */
export interface TestCa extends CertPair {
  readonly cert: Certificate;
  readonly key: CryptoKey;
}

const P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const HOUR = 3600_000;

function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(P256, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

function randomSerial(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return BigInt("0x" + [...b].map((x) => x.toString(16).padStart(2, "0")).join(""));
}

/** A new self-signed CA (ECDSA P-256, valid from an hour ago for a day). */
export async function createTestCa(cn = "kubernetes"): Promise<TestCa> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await createCertificate({
    cn,
    orgs: [],
    dnsNames: [cn],
    ips: [],
    usages: [],
    isCA: true,
    leafBasicConstraints: false,
    serial: randomSerial(),
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 24 * HOUR),
  }, keys);
  return {
    cert,
    key: keys.privateKey,
    certPem: certToPem(cert),
    keyPem: await privateKeyToPem(keys.privateKey),
  };
}

/** Loads a CA from PEM (e.g. the one kadm generated under pki/). */
export async function loadTestCa(certPem: string, keyPem: string): Promise<TestCa> {
  const [cert] = parseCertsPem(certPem, "CA certificate");
  const keys = await parsePrivateKeyPem(keyPem, "CA key");
  return { cert: cert!, key: keys.privateKey, certPem, keyPem };
}

export interface LeafSpec {
  readonly cn: string;
  readonly orgs?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly usage: "serverAuth" | "clientAuth";
  /** Validity window; default: an hour ago until a day from now. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A leaf certificate signed by `ca` (ECDSA P-256 key). */
export async function issueCert(ca: TestCa, spec: LeafSpec): Promise<CertPair> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await createCertificate(
    {
      cn: spec.cn,
      orgs: spec.orgs ?? [],
      dnsNames: spec.dnsNames ?? [],
      ips: spec.ips ?? [],
      usages: [spec.usage],
      isCA: false,
      leafBasicConstraints: true,
      serial: randomSerial(),
      notBefore: spec.notBefore ?? new Date(now - HOUR),
      notAfter: spec.notAfter ?? new Date(now + 24 * HOUR),
    },
    keys,
    { cert: ca.cert, key: ca.key },
  );
  return { certPem: certToPem(cert), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** A client certificate for user `cn` in groups `orgs`. */
export function issueClientCert(ca: TestCa, cn: string, orgs: readonly string[] = []): Promise<CertPair> {
  return issueCert(ca, { cn, orgs, usage: "clientAuth" });
}

/** The identity a client certificate carries: CN and the O's. */
export interface CertIdentity {
  readonly name: string;
  readonly groups: readonly string[];
}

/**
 * kube-apiserver's x509 authenticator: the certificate must chain to the CA, be inside its validity
 * window and allow clientAuth. Returns the identity, or the reason it was refused.
 */
export async function verifyClientCert(
  der: Uint8Array,
  ca: Certificate,
  now = new Date(),
): Promise<CertIdentity | { readonly error: string }> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(new Uint8Array(der));
  } catch {
    return { error: "unparseable client certificate" };
  }
  if (!(await isSignedBy(cert, ca))) return { error: "x509: certificate signed by unknown authority" };
  if (now < cert.notBefore || now > cert.notAfter) {
    return { error: "x509: certificate has expired or is not yet valid" };
  }
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const ok = !eku || eku.usages.some((u) => u === x509.ExtendedKeyUsage.clientAuth || u === "2.5.29.37.0");
  if (!ok) return { error: "x509: certificate specifies an incompatible key usage" };
  const name = cert.subjectName.getField("CN")[0] ?? "";
  const groups = cert.subjectName.getField("O");
  return { name, groups };
}
