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
import { type Bytes, der, type DerNode, eq, pemDecodeAll, pemEncode, publicKeyDer } from "./keys.ts";
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

/**
 * Signs with `issuer`; without one the certificate is self-signed with `keys`. The DER is written
 * here directly (the few structures of a kubeadm certificate), then parsed once into a Certificate.
 */
export async function createCertificate(
  t: CertTemplate,
  keys: CryptoKeyPair,
  issuer?: { readonly cert: Certificate; readonly key: CryptoKey },
): Promise<Certificate> {
  return parseCertificateDer(await createCertificateDer(t, keys, issuer));
}

/** A Certificate from its DER (a certificate kadm just made: it parses). */
export function parseCertificateDer(der: Bytes): Certificate {
  return new x509.X509Certificate(der);
}

/**
 * createCertificate's DER bytes, for callers that only write the certificate out (no parse). The same
 * bytes @peculiar/x509's X509CertificateGenerator produced for these inputs: version 3, the serial as
 * a minimal positive INTEGER, UTCTime up to 2049 (GeneralizedTime after, whole seconds), the issuer's
 * subject as it is in the issuer's DER (Go's RawSubject), extensions in Go's order.
 */
export async function createCertificateDer(
  t: CertTemplate,
  keys: CryptoKeyPair,
  issuer?: { readonly cert: Certificate; readonly key: CryptoKey },
): Promise<Bytes> {
  const spki = await publicKeyDer(keys);
  const subject = encodeName(t.orgs, t.cn);
  const issuerDer = issuer ? new Uint8Array(issuer.cert.rawData) : undefined;
  const exts: Bytes[] = [];
  const ku = t.isCA ? [0, 2, 5] : [0, 2]; // digitalSignature, keyEncipherment, keyCertSign
  exts.push(extension("2.5.29.15", true, bitString(ku)));
  if (t.usages.length > 0) exts.push(extension("2.5.29.37", false, der.seq(...t.usages.map(ekuOid))));
  if (t.isCA) exts.push(extension("2.5.29.19", true, der.seq(der.bool(true))));
  else if (t.leafBasicConstraints) exts.push(extension("2.5.29.19", true, der.seq()));
  if (t.isCA) exts.push(extension("2.5.29.14", false, der.octets(await subjectKeyId(spki))));
  const aki = issuerDer ? subjectKeyIdOf(issuerDer) : undefined;
  if (aki) exts.push(extension("2.5.29.35", false, der.seq(der.tlv(0x80, aki))));
  if (t.dnsNames.length + t.ips.length > 0) exts.push(extension("2.5.29.17", false, encodeSANs(t)));
  const signingKey = issuer?.key ?? keys.privateKey;
  const sig = signatureOf(signingKey);
  const tbs = der.seq(
    der.tlv(0xa0, der.small(2)),
    der.uint(serialBytes(t.serial)),
    sig.algId,
    issuerDer ? rawSubject(issuerDer) : subject,
    der.seq(asn1Time(t.notBefore), asn1Time(t.notAfter)),
    subject,
    spki,
    der.tlv(0xa3, der.seq(...exts)),
  );
  const value = new Uint8Array(await crypto.subtle.sign(sig.params, signingKey, tbs));
  return der.seq(tbs, sig.algId, der.bitString(sig.encode(value)));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (omitted when false), extnValue }. */
function extension(oid: string, critical: boolean, value: Bytes): Bytes {
  return der.seq(der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octets(value));
}

/** The serial's big-endian bytes (der.uint makes them a minimal positive INTEGER; 0 stays 0). */
function serialBytes(serial: bigint): Bytes {
  const hex = serial.toString(16);
  const even = hex.length % 2 ? "0" + hex : hex;
  return new Uint8Array((even.match(/../g) ?? []).map((x) => parseInt(x, 16)));
}

/** UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime after; milliseconds dropped. */
function asn1Time(d: Date): Bytes {
  const p = (n: number) => String(n).padStart(2, "0");
  const y = d.getUTCFullYear();
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${
    p(d.getUTCSeconds())
  }Z`;
  const enc = new TextEncoder();
  return y > 2049
    ? der.tlv(0x18, enc.encode(String(y).padStart(4, "0") + rest))
    : der.tlv(0x17, enc.encode(p(y % 100) + rest));
}

/**
 * The signature for a signing key: sha256WithRSAEncryption (NULL parameters) for RSA, ecdsa-with-SHA256
 * / SHA384 / SHA512 by curve for ECDSA, whose raw r||s Web Crypto output becomes ECDSA-Sig-Value.
 */
function signatureOf(key: CryptoKey): {
  algId: Bytes;
  params: AlgorithmIdentifier | EcdsaParams;
  encode: (raw: Bytes) => Bytes;
} {
  if (key.algorithm.name !== "ECDSA") {
    return {
      algId: der.seq(der.oid("1.2.840.113549.1.1.11"), der.null()),
      params: { name: key.algorithm.name },
      encode: (raw) => raw,
    };
  }
  const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
  const [hash, oid, size] = curve === "P-384"
    ? ["SHA-384", "1.2.840.10045.4.3.3", 48]
    : curve === "P-521"
    ? ["SHA-512", "1.2.840.10045.4.3.4", 66]
    : ["SHA-256", "1.2.840.10045.4.3.2", 32];
  return {
    algId: der.seq(der.oid(oid)),
    params: { name: "ECDSA", hash },
    encode: (raw) => der.seq(der.uint(raw.subarray(0, size)), der.uint(raw.subarray(size, 2 * size))),
  };
}

/** The children of a certificate's TBSCertificate, from `version` (or the serial) on. */
function tbsFields(cert: Bytes): DerNode[] {
  const tbs = der.children(der.read(cert))[0];
  if (!tbs) throw new Error("internal: certificate without TBSCertificate");
  const fields = der.children(tbs);
  return fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
}

/** The subject Name exactly as encoded in a certificate. */
function rawSubject(cert: Bytes): Bytes {
  const subject = tbsFields(cert)[4];
  if (!subject) throw new Error("internal: certificate without subject");
  return der.raw(subject).slice();
}

/** The SubjectKeyIdentifier of a certificate, when it has one. */
function subjectKeyIdOf(cert: Bytes): Bytes | undefined {
  const ski = extensionValue(cert, "2.5.29.14");
  return ski && der.content(der.read(ski)).slice();
}

/** The extnValue contents (DER) of a certificate's first extension `oid`, when it has one. */
function extensionValue(cert: Bytes, oid: string): Bytes | undefined {
  const exts = tbsFields(cert).find((n) => n.tag === 0xa3);
  if (!exts) return undefined;
  const want = der.oid(oid);
  for (const ext of der.children(der.read(exts.buf, exts.start))) {
    const parts = der.children(ext);
    const value = parts[parts.length - 1];
    if (parts[0] && value && eq(der.raw(parts[0]), want)) return der.content(value);
  }
  return undefined;
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

/** BasicConstraints CA:TRUE (Go's IsCA). Read from the DER (x509's extension objects cost ~0.5 ms). */
export function isCA(cert: Certificate): boolean {
  const bc = extensionValue(new Uint8Array(cert.rawData), "2.5.29.19");
  if (!bc) return false;
  const first = der.children(der.read(bc))[0];
  return first?.tag === 0x01 && first.buf[first.start] !== 0;
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
