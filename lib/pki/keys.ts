/**
 * Key generation and PEM encoding as kubeadm writes keys (Go's keyutil.MarshalPrivateKeyToPEM):
 * PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY" (with the named curve and the public key) and
 * PKIX "PUBLIC KEY". Reading accepts PKCS#1, SEC1 and PKCS#8. A tiny DER codec lives here too
 * (Web Crypto only speaks PKCS#8/SPKI; the few structures around it are easier written by hand).
 */
import type { EncryptionAlgorithm } from "../model.ts";
import { UserError } from "../errors.ts";

/** Where keys come from: Web Crypto in production, pre-generated keys in tests. */
export interface KeySource {
  /** An extractable key pair usable for signing (RSASSA-PKCS1-v1_5/SHA-256 or ECDSA). */
  generate(alg: EncryptionAlgorithm): Promise<CryptoKeyPair>;
  /** Starts `n` generations now, so later `generate` calls take ready keys. Optional. */
  prefetch?(alg: EncryptionAlgorithm, n: number): void;
}

export const RSA_ALG = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

function genParams(alg: EncryptionAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams {
  switch (alg) {
    case "ECDSA-P256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ECDSA-P384":
      return { name: "ECDSA", namedCurve: "P-384" };
    default:
      return {
        ...RSA_ALG,
        modulusLength: Number(alg.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
      };
  }
}

/** Web Crypto keys; `prefetch` keeps a per-instance pool of generations already running. */
export function webCryptoKeySource(): KeySource {
  const pool = new Map<EncryptionAlgorithm, Promise<CryptoKeyPair>[]>();
  const start = (alg: EncryptionAlgorithm) =>
    crypto.subtle.generateKey(genParams(alg), true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
  return {
    generate(alg) {
      return pool.get(alg)?.shift() ?? start(alg);
    },
    prefetch(alg, n) {
      const list = pool.get(alg) ?? [];
      for (let i = 0; i < n; i++) {
        const p = start(alg);
        p.catch(() => {}); // surfaced by the generate call that takes it
        list.push(p);
      }
      pool.set(alg, list);
    },
  };
}

// ---------------------------------------------------------------- DER

/** Bytes backed by a plain ArrayBuffer (what Web Crypto accepts). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** One decoded DER element: tag byte, and where its content lies in `buf`. */
export interface DerNode {
  readonly tag: number;
  readonly buf: Bytes;
  /** Where the element (header included) begins. */
  readonly head: number;
  readonly start: number;
  readonly end: number;
}

export const der = {
  tlv(tag: number, ...parts: Bytes[]): Bytes {
    const len = parts.reduce((n, p) => n + p.length, 0);
    const head = len < 0x80 ? [tag, len] : [tag, ...lengthBytes(len)];
    const out = new Uint8Array(head.length + len);
    out.set(head);
    let off = head.length;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  },
  seq: (...parts: Bytes[]) => der.tlv(0x30, ...parts),
  set: (...parts: Bytes[]) => der.tlv(0x31, ...parts),
  octets: (b: Bytes) => der.tlv(0x04, b),
  bitString: (b: Bytes, unused = 0) => der.tlv(0x03, new Uint8Array([unused]), b),
  null: () => new Uint8Array([0x05, 0x00]),
  bool: (v: boolean) => new Uint8Array([0x01, 0x01, v ? 0xff : 0x00]),
  /** A non-negative INTEGER from big-endian magnitude bytes (minimal encoding). */
  uint(b: Bytes): Bytes {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const m = b.subarray(i);
    return der.tlv(0x02, ...(m.length === 0 || m[0]! >= 0x80 ? [new Uint8Array([0]), m] : [m]));
  },
  small: (n: number) => der.uint(new Uint8Array([n])),
  /** OBJECT IDENTIFIER from dotted text. */
  oid(dotted: string): Bytes {
    const arcs = dotted.split(".").map(Number);
    const bytes: number[] = [arcs[0]! * 40 + arcs[1]!];
    for (const arc of arcs.slice(2)) {
      const chunk = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
      bytes.push(...chunk);
    }
    return der.tlv(0x06, new Uint8Array(bytes));
  },
  /** Reads the element starting at `off`; throws on malformed input. */
  read(buf: Bytes, off = 0): DerNode {
    const tag = buf[off];
    let len = buf[off + 1];
    if (tag === undefined || len === undefined) throw new Error("truncated DER");
    let start = off + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new Error("bad DER length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? NaN);
      start += n;
    }
    const end = start + len;
    if (!(end <= buf.length)) throw new Error("truncated DER");
    return { tag, buf, head: off, start, end };
  },
  children(n: DerNode): DerNode[] {
    const out: DerNode[] = [];
    for (let off = n.start; off < n.end;) {
      const c = der.read(n.buf, off);
      out.push(c);
      off = c.end;
    }
    return out;
  },
  content: (n: DerNode) => n.buf.subarray(n.start, n.end),
  /** The whole element, header included. */
  raw: (n: DerNode) => n.buf.subarray(n.head, n.end),
};

function lengthBytes(len: number): number[] {
  const b: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return [0x80 | b.length, ...b];
}

// ---------------------------------------------------------------- PEM

export function pemEncode(type: string, data: Bytes): string {
  const b64 = btoa(String.fromCharCode(...data));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

/** Every PEM block in `text`, in order. */
export function pemDecodeAll(text: string): { type: string; data: Bytes }[] {
  const out: { type: string; data: Bytes }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    const body = m[2]!.replace(/\s+/g, "");
    out.push({ type: m[1]!, data: Uint8Array.from(atob(body), (c) => c.charCodeAt(0)) });
  }
  return out;
}

// ---------------------------------------------------------------- keys <-> PEM

const OID_RSA = "1.2.840.113549.1.1.1";
const OID_EC = "1.2.840.10045.2.1";
const CURVES = { "P-256": "1.2.840.10045.3.1.7", "P-384": "1.3.132.0.34" } as const;
type Curve = keyof typeof CURVES;

const b64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** PEM as kubeadm writes it: PKCS#1 for RSA, SEC1 (curve + public key) for ECDSA. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  if (key.algorithm.name === "ECDSA") {
    const curve = (key.algorithm as EcKeyAlgorithm).namedCurve as Curve;
    const { d, point } = await ecKeyParts(key);
    const sec1 = der.seq(
      der.small(1),
      der.octets(d),
      der.tlv(0xa0, der.oid(CURVES[curve])),
      der.tlv(0xa1, der.bitString(point)),
    );
    return pemEncode("EC PRIVATE KEY", sec1);
  }
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
  const [, , inner] = der.children(der.read(pkcs8));
  return pemEncode("RSA PRIVATE KEY", der.content(inner!));
}

/**
 * An EC private key's scalar and uncompressed public point. Read from the PKCS#8 export, which Web
 * Crypto serves at once with the public key inside; the JWK export (several times slower: it
 * recomputes the point) only when the PKCS#8 lacks the point or pads differently.
 */
async function ecKeyParts(key: CryptoKey): Promise<{ d: Bytes; point: Bytes }> {
  const size = (key.algorithm as EcKeyAlgorithm).namedCurve === "P-384" ? 48 : 32;
  try {
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
    const [, , inner] = der.children(der.read(pkcs8));
    const [, d, ...rest] = der.children(der.read(der.content(inner!)));
    const pub = rest.find((n) => n.tag === 0xa1);
    const bits = pub && der.read(pub.buf, pub.start);
    const point = bits && der.content(bits).subarray(1);
    if (d?.tag === 0x04 && d.end - d.start === size && point?.length === 1 + 2 * size && point[0] === 4) {
      return { d: der.content(d), point };
    }
  } catch {
    // fall through to the JWK export
  }
  const jwk = await crypto.subtle.exportKey("jwk", key);
  return { d: b64url(jwk.d!), point: new Uint8Array([4, ...b64url(jwk.x!), ...b64url(jwk.y!)]) };
}

/**
 * The DER SubjectPublicKeyInfo of a key pair, as `exportKey("spki", publicKey)` gives it. For ECDSA
 * it is built from the private key's PKCS#8 (the public-key export costs ~0.4 ms on the main thread).
 */
export async function publicKeyDer(keys: CryptoKeyPair): Promise<Bytes> {
  const alg = keys.privateKey.algorithm;
  const curve = (alg as EcKeyAlgorithm).namedCurve as Curve;
  if (alg.name === "ECDSA" && keys.privateKey.extractable && curve in CURVES) {
    const { point } = await ecKeyParts(keys.privateKey);
    return der.seq(der.seq(der.oid(OID_EC), der.oid(CURVES[curve])), der.bitString(point));
  }
  return new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
}

export async function publicKeyToPem(key: CryptoKey): Promise<string> {
  return pemEncode("PUBLIC KEY", new Uint8Array(await crypto.subtle.exportKey("spki", key)));
}

/** Reads a PKCS#1, SEC1 or PKCS#8 private key; `path` names the file in errors. */
export async function parsePrivateKeyPem(pem: string, path: string): Promise<CryptoKeyPair> {
  const block = pemDecodeAll(pem).find((b) => b.type.endsWith("PRIVATE KEY"));
  if (!block) throw new UserError(`Invalid private key file ${path}: no PEM private key block found`);
  try {
    const pkcs8 = block.type === "RSA PRIVATE KEY"
      ? wrapPkcs8(der.seq(der.oid(OID_RSA), der.null()), block.data)
      : block.type === "EC PRIVATE KEY"
      ? wrapPkcs8(der.seq(der.oid(OID_EC), der.oid(CURVES[sec1Curve(block.data)])), block.data)
      : block.data;
    return await importPkcs8(pkcs8);
  } catch (e) {
    throw new UserError(
      `Invalid private key file ${path}: ${block.type} could not be read (only RSA and ECDSA P-256/P-384 keys)`,
      { cause: e },
    );
  }
}

function wrapPkcs8(algId: Bytes, inner: Bytes): Bytes {
  return der.seq(der.small(0), algId, der.octets(inner));
}

function sec1Curve(sec1: Bytes): Curve {
  const params = der.children(der.read(sec1)).find((n) => n.tag === 0xa0);
  if (!params) throw new Error("SEC1 key without curve parameters");
  const oid = der.content(params);
  const hit = (Object.keys(CURVES) as Curve[]).find((c) => eq(der.oid(CURVES[c]), der.raw(der.read(oid))));
  if (!hit) throw new Error("unsupported curve");
  return hit;
}

async function importPkcs8(pkcs8: Bytes): Promise<CryptoKeyPair> {
  const [, algId] = der.children(der.read(pkcs8));
  const [oid, param] = der.children(algId!);
  const oidBytes = der.raw(oid!);
  let alg: RsaHashedImportParams | EcKeyImportParams;
  if (eq(oidBytes, der.oid(OID_RSA))) alg = RSA_ALG;
  else if (eq(oidBytes, der.oid(OID_EC))) {
    const curve = (Object.keys(CURVES) as Curve[]).find((c) => eq(der.oid(CURVES[c]), der.raw(param!)));
    if (!curve) throw new Error("unsupported curve");
    alg = { name: "ECDSA", namedCurve: curve };
  } else throw new Error("unsupported key algorithm");
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, alg, true, ["sign"]);
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

/** The public half of a private key (Web Crypto keeps them apart). */
export async function publicKeyOf(privateKey: CryptoKey): Promise<CryptoKey> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const pub: JsonWebKey = jwk.kty === "EC"
    ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y }
    : { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256" };
  return crypto.subtle.importKey("jwk", pub, privateKey.algorithm as RsaHashedImportParams, true, ["verify"]);
}

export function eq(a: Bytes, b: Bytes): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
