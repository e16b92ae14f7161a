/**
 * X.509 certificates as Go's x509.CreateCertificate makes them for kubeadm: subject O then CN
 * (PrintableString when possible), extensions in Go's order — KeyUsage (critical), ExtKeyUsage,
 * BasicConstraints (critical), SubjectKeyId (CAs: SHA-1 of the public key bits), AuthorityKeyId
 * (the issuer's SKI), SubjectAltName (DNS then IP) — and the signature chosen by the issuer key
 * (sha256WithRSAEncryption, ecdsa-with-SHA256 for P-256, ecdsa-with-SHA384 for P-384).
 * Plus the validation helpers the phases use on existing files. No host access.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { UserError } from "../errors.ts";
import { type Bytes, der, eq, pemDecodeAll, pemEncode } from "./keys.ts";
import type { Usage } from "./specs.ts";
import { formatIP, parseIP } from "../net.ts";

export type Certificate = x509.X509Certificate;

/** What to put in a certificate. */
export interface CertTemplate {
  readonly cn: string;
  readonly orgs: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
  readonly usages: readonly Usage[];
  readonly isCA: boolean;
  /** Leaves only: carry BasicConstraints CA:false (kubeadm since intermediate-CA support). */
  readonly leafBasicConstraints: boolean;
  readonly serial: bigint;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Signs with `issuer`; without one the certificate is self-signed with `keys`. */
export async function createCertificate(
  t: CertTemplate,
  keys: CryptoKeyPair,
  issuer?: { readonly cert: Certificate; readonly key: CryptoKey },
): Promise<Certificate> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const subject = encodeName(t.orgs, t.cn);
  const exts: x509.Extension[] = [];
  const ku = t.isCA ? [0, 2, 5] : [0, 2]; // digitalSignature, keyEncipherment, keyCertSign
  exts.push(new x509.Extension("2.5.29.15", true, bitString(ku)));
  if (t.usages.length > 0) {
    exts.push(new x509.Extension("2.5.29.37", false, der.seq(...t.usages.map(ekuOid))));
  }
  if (t.isCA) exts.push(new x509.Extension("2.5.29.19", true, der.seq(der.bool(true))));
  else if (t.leafBasicConstraints) exts.push(new x509.Extension("2.5.29.19", true, der.seq()));
  if (t.isCA) exts.push(new x509.Extension("2.5.29.14", false, der.octets(await subjectKeyId(spki))));
  const aki = issuer ? issuerKeyId(issuer.cert) : undefined;
  if (aki) exts.push(new x509.Extension("2.5.29.35", false, der.seq(der.tlv(0x80, aki))));
  if (t.dnsNames.length + t.ips.length > 0) exts.push(new x509.Extension("2.5.29.17", false, encodeSANs(t)));
  const signingKey = issuer?.key ?? keys.privateKey;
  const serialHex = t.serial.toString(16).padStart(2 * Math.ceil(t.serial.toString(16).length / 2), "0");
  return await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialHex,
      subject: new x509.Name(subject),
      issuer: issuer ? issuer.cert.subjectName : new x509.Name(subject),
      notBefore: t.notBefore,
      notAfter: t.notAfter,
      publicKey: spki,
      signingKey,
      signingAlgorithm: signingAlgorithm(signingKey),
      extensions: exts,
    },
    // @peculiar/x509 replaces an all-zero serial with a random one; kubeadm's CAs before
    // v1.28 have serial 0, so feed it zeros in that one case.
    t.serial === 0n ? zeroRandomCrypto() : crypto,
  );
}

function zeroRandomCrypto(): Crypto {
  return {
    subtle: crypto.subtle,
    randomUUID: () => crypto.randomUUID(),
    getRandomValues: <T extends ArrayBufferView | null>(a: T): T => {
      if (a) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).fill(0);
      return a;
    },
  } as Crypto;
}

function signingAlgorithm(key: CryptoKey): Algorithm & { hash: string } {
  if (key.algorithm.name !== "ECDSA") return { name: key.algorithm.name, hash: "SHA-256" };
  const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
  return { name: "ECDSA", hash: curve === "P-384" ? "SHA-384" : curve === "P-521" ? "SHA-512" : "SHA-256" };
}

const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" } as const;
const ekuOid = (u: Usage) => der.oid(EKU[u]);

/** Go's KeyUsage BIT STRING: bit 0 is the high bit of the first byte, trailing zero bits dropped. */
function bitString(bits: readonly number[]): Bytes {
  const bytes = new Uint8Array(Math.floor(Math.max(...bits) / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return der.bitString(bytes, 7 - (Math.max(...bits) & 7));
}

/** Go's pkix.Name order: O (one multi-valued RDN), then CN. */
function encodeName(orgs: readonly string[], cn: string): Bytes {
  const atv = (oid: string, v: string) => der.seq(der.oid(oid), dirString(v));
  const rdns: Bytes[] = [];
  if (orgs.length > 0) rdns.push(der.set(...orgs.map((o) => atv("2.5.4.10", o)).sort(compareBytes)));
  if (cn !== "") rdns.push(der.set(atv("2.5.4.3", cn)));
  return der.seq(...rdns);
}

/** PrintableString when Go's asn1 would use it (no '*' or '&'), UTF8String otherwise. */
function dirString(v: string): Bytes {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(v);
  return der.tlv(printable ? 0x13 : 0x0c, new TextEncoder().encode(v));
}

function compareBytes(a: Bytes, b: Bytes): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function encodeSANs(t: CertTemplate): Bytes {
  const ips = t.ips.map((s) => {
    const ip = parseIP(s);
    if (!ip) throw new Error(`internal: bad IP SAN ${s}`);
    return der.tlv(0x87, new Uint8Array(ip));
  });
  return der.seq(...t.dnsNames.map((d) => der.tlv(0x82, new TextEncoder().encode(d))), ...ips);
}

/** SHA-1 of the subjectPublicKey BIT STRING contents, as Go computes a missing SubjectKeyId. */
async function subjectKeyId(spki: Bytes): Promise<Bytes> {
  const [, bits] = der.children(der.read(spki));
  return new Uint8Array(await crypto.subtle.digest("SHA-1", der.content(bits!).slice(1)));
}

function issuerKeyId(ca: Certificate): Bytes | undefined {
  const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski ? hexBytes(ski.keyId) : undefined;
}

const hexBytes = (h: string): Bytes => new Uint8Array((h.match(/../g) ?? []).map((x) => parseInt(x, 16)));

// ---------------------------------------------------------------- PEM

export function certToPem(cert: Certificate): string {
  return pemEncode("CERTIFICATE", new Uint8Array(cert.rawData));
}

/** All certificates in a PEM file (the first is the one that counts); `path` names it in errors. */
export function parseCertsPem(text: string, path: string): Certificate[] {
  const blocks = pemDecodeAll(text).filter((b) => b.type === "CERTIFICATE");
  if (blocks.length === 0) {
    throw new UserError(`Invalid certificate file ${path}: no PEM CERTIFICATE block found`);
  }
  try {
    return blocks.map((b) => new x509.X509Certificate(b.data));
  } catch (e) {
    throw new UserError(`Invalid certificate file ${path}: the certificate could not be parsed`, {
      cause: e,
    });
  }
}

// ---------------------------------------------------------------- validation

/** BasicConstraints CA:TRUE (Go's IsCA). */
export function isCA(cert: Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** Issuer name equals the CA's subject and the CA's key verifies the signature. */
export async function isSignedBy(leaf: Certificate, ca: Certificate): Promise<boolean> {
  const same = eq(
    new Uint8Array(leaf.issuerName.toArrayBuffer()),
    new Uint8Array(ca.subjectName.toArrayBuffer()),
  );
  if (!same) return false;
  try {
    return await leaf.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/** The SANs asked for that `cert` does not cover ("DNS:x", "IP:y"); wildcards match one label like Go. */
export function missingSANs(
  cert: Certificate,
  want: { readonly dnsNames: readonly string[]; readonly ips: readonly string[] },
): string[] {
  const items = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const dns = items.filter((i) => i.type === "dns").map((i) => i.value.toLowerCase());
  const ips = items.filter((i) => i.type === "ip").map((i) => parseIP(i.value)).filter((b) => b !== undefined)
    .map(formatIP);
  const out: string[] = [];
  for (const d of want.dnsNames) {
    const h = d.toLowerCase();
    const ok = dns.some((s) =>
      s === h || (s.startsWith("*.") && h.includes(".") && h.slice(h.indexOf(".")) === s.slice(1))
    );
    if (!ok) out.push(`DNS:${d}`);
  }
  for (const ip of want.ips) if (!ips.includes(ip)) out.push(`IP:${ip}`);
  return out;
}

/** Whether the key pair's public key is the certificate's. */
export async function keyMatchesCert(keys: CryptoKeyPair, cert: Certificate): Promise<boolean> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  return eq(spki, new Uint8Array(cert.publicKey.rawData));
}

/** kubeadm's discovery hash: "sha256:" + hex SHA-256 of the CA's DER SubjectPublicKeyInfo. */
export async function caCertHash(caPem: string): Promise<string> {
  const [cert] = parseCertsPem(caPem, "CA certificate");
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(cert!.publicKey.rawData)));
  return "sha256:" + [...sum].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The SANs of a certificate as text, for messages. */
export function sanList(cert: Certificate): { dnsNames: string[]; ips: string[] } {
  const items = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  return {
    dnsNames: items.filter((i) => i.type === "dns").map((i) => i.value),
    ips: items.filter((i) => i.type === "ip").map((i) => parseIP(i.value)).filter((b) => b !== undefined).map(
      formatIP,
    ),
  };
}
