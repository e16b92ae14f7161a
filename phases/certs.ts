/**
 * certs: the three CA trees and the service-account key pair (kubeadm's `init phase certs`).
 *
 * Inputs: cluster.certificatesDir, encryptionAlgorithm, certificate validity periods,
 * controlPlaneEndpoint, apiServer.certSANs, networking, etcd (local: server/peer SANs; external: no
 * etcd tree), localAPIEndpoint.advertiseAddress, nodeRegistration.name; MinorInfo certOrgs,
 * certBackdate, leafBasicConstraints.
 * Outputs (under onDisk(certificatesDir)): <base>.key 0600 then <base>.crt 0644 per certificate
 * (folders 0755), sa.key and sa.pub 0600.
 * Reuse: a CA with its key signs missing leaves; an existing leaf is kept when its key matches, it
 * verifies against its CA and covers the SANs asked for; a CA is never overwritten. External CA
 * (crt without key): its leaves must all exist and verify. The parent run checks every existing
 * file before any sub-phase writes.
 * kadm's record (lib/state.ts, <certificatesDir>/.kadm-state.json) gets each pair's fingerprints before
 * the pair is written: a key left without its certificate by an interrupted run is kadm's and is
 * generated again; a CA certificate kadm generated is never taken for an external CA. A kept leaf
 * within 30 days of expiry is warned about (`kadm certs renew` renews it).
 */
import type { InitContext, Phase } from "./types.ts";
import { memo } from "./types.ts";
import { UserError } from "../lib/errors.ts";
import { readTextIfExists, writeFileAtomic, writeFilesAtomic } from "../lib/host.ts";
import { fingerprint } from "../lib/state.ts";
import {
  cachedPair,
  certDir,
  forgetPair,
  type Pair,
  recordGenerated,
  rememberPair,
  RENEW_WARN_DAYS,
} from "./certs-pairs.ts";

export { cachedPair, certDir, loadPair, RENEW_WARN_DAYS } from "./certs-pairs.ts";
import { CERTS, type CertSpec, certSpecs, SA, serialFor, validityFor } from "../lib/pki/specs.ts";
import {
  parsePrivateKeyPem,
  pemEncode,
  privateKeyToPem,
  publicKeyDer,
  publicKeyOf,
  publicKeyToPem,
} from "../lib/pki/keys.ts";
import {
  type Certificate,
  createCertificateDer,
  isCA,
  isSignedBy,
  missingSANs,
  parseCertificateDer,
} from "../lib/pki/certs.ts";

const CRT_MODE = 0o644;
const KEY_MODE = 0o600;

function checkIsCA(ca: Pair & { cert: Certificate }): void {
  if (!isCA(ca.cert)) {
    throw new UserError(
      `${ca.crtPath} is not a CA certificate (no BasicConstraints CA:TRUE): replace it with a CA certificate or delete it and its key`,
    );
  }
}

/** An existing leaf must be signed by its CA and cover the SANs asked for. */
async function checkLeaf(
  spec: CertSpec,
  leaf: Pair & { cert: Certificate },
  ca: Pair & { cert: Certificate },
) {
  if (!(await isSignedBy(leaf.cert, ca.cert))) {
    throw new UserError(
      `${leaf.crtPath} is not signed by the CA ${ca.crtPath}: delete ${leaf.crtPath} and ${leaf.keyPath} so kadm signs new ones, or restore the CA that signed it`,
    );
  }
  const missing = missingSANs(leaf.cert, spec);
  if (missing.length > 0) {
    throw new UserError(
      `${leaf.crtPath} lacks the SANs ${
        missing.join(", ")
      } now asked for: delete ${leaf.crtPath} and ${leaf.keyPath} so kadm signs a new one, or drop those SANs from the configuration`,
    );
  }
}

/** A kept leaf that expires within RENEW_WARN_DAYS: a warning naming the file, the date and the fix. */
function warnExpiring(ctx: InitContext, spec: CertSpec, crtPath: string, cert: Certificate): void {
  const left = cert.notAfter.getTime() - ctx.now.getTime();
  if (left <= 0 || left > RENEW_WARN_DAYS * 86_400_000) return;
  ctx.log.warn(
    `[certs] WARNING: the certificate ${crtPath} expires on ${cert.notAfter.toISOString()} (in ${
      Math.floor(left / 86_400_000)
    } days): renew it with 'kadm certs renew ${spec.name}'`,
  );
}

function warnPeriod(ctx: InitContext, name: string, cert: Certificate): void {
  const now = ctx.now.getTime();
  if (now < cert.notBefore.getTime() || now > cert.notAfter.getTime()) {
    const state = now < cert.notBefore.getTime()
      ? "the certificate is not valid yet"
      : "the certificate has expired";
    ctx.log.warn(
      `WARNING: could not validate bounds for certificate ${name}: ${state}: NotBefore: ${cert.notBefore.toISOString()}, NotAfter: ${cert.notAfter.toISOString()}`,
    );
  }
}

/**
 * Checks everything already on disk against what would be generated, before anything is written.
 * Returns the certificates that will have to be generated, and whether the sa key pair will.
 */
export async function preflightCerts(ctx: InitContext): Promise<{ certs: CertSpec[]; sa: boolean }> {
  const dir = certDir(ctx);
  const specs = certSpecs(ctx.cfg, ctx.minor);
  const toGenerate: CertSpec[] = [];
  // Every pair is read at once; they are checked below in kubeadm's order (the same first error).
  for (const spec of specs) void cachedPair(ctx, spec.baseName, spec.isCA);
  const sa = saState(dir);
  sa.catch(() => {}); // awaited last
  for (const caSpec of specs.filter((s) => s.isCA)) {
    const ca = await cachedPair(ctx, caSpec.baseName, true);
    if (ca.cert) checkIsCA({ ...ca, cert: ca.cert });
    else toGenerate.push(caSpec);
    for (const spec of specs.filter((s) => s.ca?.name === caSpec.name)) {
      const leaf = await cachedPair(ctx, spec.baseName, false);
      if (!leaf.cert) {
        if (ca.cert && !ca.keys) throw externalCAError(leaf, ca);
        toGenerate.push(spec);
      } else if (!ca.cert) {
        throw new UserError(
          `Found ${leaf.crtPath} but not its CA ${ca.crtPath}: a new CA cannot vouch for an existing certificate; restore ${ca.crtPath} and ${ca.keyPath} or delete ${leaf.crtPath} and ${leaf.keyPath}`,
        );
      } else await checkLeaf(spec, { ...leaf, cert: leaf.cert }, { ...ca, cert: ca.cert });
    }
  }
  return { certs: toGenerate, sa: (await sa) === "generate" };
}

function externalCAError(leaf: Pair, ca: Pair): UserError {
  return new UserError(
    `External CA mode (${ca.crtPath} without ${ca.keyPath}): ${leaf.crtPath} is missing and kadm cannot sign it; provide ${leaf.crtPath} and ${leaf.keyPath} signed by that CA, or provide ${ca.keyPath}`,
  );
}

/** "generate", "reuse" (sa.key present) or "external" (the Kubernetes CA has no key: sa.* must exist). */
async function saState(dir: string): Promise<"generate" | "reuse" | "external"> {
  const keyPath = `${dir}/${SA.key}`, pubPath = `${dir}/${SA.pub}`;
  const [key, pub, caCrt, caKey] = await Promise.all(
    [keyPath, pubPath, `${dir}/ca.crt`, `${dir}/ca.key`].map(readTextIfExists),
  );
  if (caCrt !== undefined && caKey === undefined) {
    if (key === undefined || pub === undefined) {
      throw new UserError(
        `External CA mode (${dir}/ca.crt without ${dir}/ca.key): ${keyPath} and ${pubPath} must be provided too`,
      );
    }
    return "external";
  }
  if (key === undefined && pub !== undefined) {
    throw new UserError(
      `Found ${pubPath} but not ${keyPath}: restore ${keyPath} or delete ${pubPath} so the pair is generated`,
    );
  }
  if (key !== undefined) await parsePrivateKeyPem(key, keyPath);
  return key === undefined ? "generate" : "reuse";
}

// ---------------------------------------------------------------- sub-phases

interface Prepared {
  readonly keys: CryptoKeyPair;
  /** The certificate's DER; parsed (`cert`) only for a CA, which signs leaves and later phases read. */
  readonly der: Uint8Array<ArrayBuffer>;
  readonly cert?: Certificate;
  readonly keyPem: string;
  /** The public key's DER SubjectPublicKeyInfo (its fingerprint goes into kadm's record). */
  readonly spki: Uint8Array<ArrayBuffer>;
}

async function writeKeyAndCert(ctx: InitContext, spec: CertSpec, p: Prepared) {
  const dir = certDir(ctx);
  const keyPath = `${dir}/${spec.baseName}.key`, crtPath = `${dir}/${spec.baseName}.crt`;
  // prepare() recorded the fingerprints already: the record always precedes the key on disk, and the
  // key is durable before its certificate is renamed into place.
  await writeFilesAtomic([
    { path: keyPath, data: p.keyPem, mode: KEY_MODE },
    { path: crtPath, data: pemEncode("CERTIFICATE", p.der), mode: CRT_MODE },
  ]);
  if (p.cert) rememberPair(ctx, spec.baseName, { crtPath, keyPath, cert: p.cert, keys: p.keys });
  else forgetPair(ctx, spec.baseName); // read from disk if a later phase asks
}

function template(ctx: InitContext, spec: CertSpec, caNotBefore?: Date) {
  return {
    cn: spec.cn,
    orgs: spec.orgs,
    dnsNames: spec.dnsNames,
    ips: spec.ips,
    usages: spec.usages,
    isCA: spec.isCA,
    leafBasicConstraints: ctx.minor.leafBasicConstraints,
    serial: serialFor(spec, ctx.minor),
    ...validityFor(spec, ctx.cfg, ctx.minor, ctx.now, caNotBefore),
  };
}

/** The signing CA of a leaf: the one on disk, or the one this run is generating. */
async function signerOf(
  ctx: InitContext,
  spec: CertSpec,
): Promise<{ cert: Certificate; keys?: CryptoKeyPair }> {
  const caSpec = specOf(ctx, spec.ca!.name);
  const ca = await cachedPair(ctx, caSpec.baseName, true);
  if (ca.cert) return { cert: ca.cert, ...(ca.keys ? { keys: ca.keys } : {}) };
  const made = ctx.cache.get(`certs:made:${caSpec.name}`) as Promise<Prepared> | undefined;
  if (made) {
    const p = await made;
    return { cert: p.cert!, keys: p.keys };
  }
  throw new UserError(
    `Cannot create the "${spec.baseName}" certificate: its CA ${ca.crtPath} does not exist; run 'kadm init phase certs ${caSpec.name}' first`,
  );
}

/**
 * Key, certificate and key PEM of a certificate to generate, computed once per run. A leaf is signed as
 * soon as its CA's key and certificate exist (not waiting for the CA's record).
 */
function material(ctx: InitContext, spec: CertSpec): Promise<Prepared> {
  return memo(ctx, `certs:made:${spec.name}`, async () => {
    // The key is asked for before the CA is awaited, so the parent asks in kubeadm's order.
    const pending = ctx.keys.generate(ctx.cfg.cluster.encryptionAlgorithm);
    pending.catch(() => {}); // surfaced below, unless the CA fails first
    const issuer = spec.isCA ? undefined : await signerOf(ctx, spec);
    if (issuer && !issuer.keys) throw new Error("internal: prepare without a CA key");
    const keys = await pending;
    const [der, keyPem, spki] = await Promise.all([
      createCertificateDer(
        template(ctx, spec, issuer?.cert.notBefore),
        keys,
        issuer ? { cert: issuer.cert, key: issuer.keys!.privateKey } : undefined,
      ),
      privateKeyToPem(keys.privateKey),
      publicKeyDer(keys),
    ]);
    return { keys, der, keyPem, spki, ...(spec.isCA ? { cert: parseCertificateDer(der) } : {}) };
  });
}

/**
 * material(), once kadm's record of it is on disk (records are batched across the certificates
 * prepared together). The parent phase starts them all at once (CA trees and keys in parallel); each
 * sub-phase then only logs and writes, in kubeadm's order.
 */
function prepare(ctx: InitContext, spec: CertSpec): Promise<Prepared> {
  return memo(ctx, `certs:new:${spec.name}`, async () => {
    const m = await material(ctx, spec);
    const [key, cert] = await Promise.all([fingerprint(m.spki), fingerprint(m.der)]);
    await recordGenerated(ctx, spec.baseName, { kind: spec.isCA ? "ca" : "leaf", key, cert });
    return m;
  });
}

/** The new sa key pair and its PEMs, recorded. */
function prepareSA(ctx: InitContext): Promise<{ keyPem: string; pubPem: string }> {
  return memo(ctx, "certs:new:sa", async () => {
    const keys = await ctx.keys.generate(ctx.cfg.cluster.encryptionAlgorithm);
    const [spki, keyPem] = await Promise.all([publicKeyDer(keys), privateKeyToPem(keys.privateKey)]);
    await recordGenerated(ctx, SA.name, { kind: "key", key: await fingerprint(spki) });
    return { keyPem, pubPem: pemEncode("PUBLIC KEY", spki) };
  });
}

async function runCA(ctx: InitContext, spec: CertSpec): Promise<void> {
  const ca = await cachedPair(ctx, spec.baseName, true);
  if (ca.cert) {
    checkIsCA({ ...ca, cert: ca.cert });
    warnPeriod(ctx, spec.baseName, ca.cert);
    ctx.log.info(`[certs] Using existing ${spec.baseName}${ca.keys ? "" : " keyless"} certificate authority`);
    return;
  }
  const made = await prepare(ctx, spec);
  logOrphan(ctx, ca);
  ctx.log.info(`[certs] Generating "${spec.baseName}" certificate and key`);
  await writeKeyAndCert(ctx, spec, made);
}

function logOrphan(ctx: InitContext, pair: Pair): void {
  if (!pair.orphanKey) return;
  ctx.log.info(
    `[certs] Found ${pair.keyPath} without its certificate, left by an interrupted kadm run: generating both again`,
  );
}

async function runLeaf(ctx: InitContext, spec: CertSpec): Promise<void> {
  for (const w of spec.warnings) ctx.log.warn(w);
  const ca = await cachedPair(ctx, spec.ca!.baseName, true);
  if (!ca.cert) {
    throw new UserError(
      `Cannot create the "${spec.baseName}" certificate: its CA ${ca.crtPath} does not exist; run 'kadm init phase certs ${
        spec.ca!.name
      }' first`,
    );
  }
  checkIsCA({ ...ca, cert: ca.cert });
  const leaf = await cachedPair(ctx, spec.baseName, false);
  if (leaf.cert) {
    await checkLeaf(spec, { ...leaf, cert: leaf.cert }, { ...ca, cert: ca.cert });
    warnPeriod(ctx, spec.baseName, leaf.cert);
    warnExpiring(ctx, spec, leaf.crtPath, leaf.cert);
    ctx.log.info(`[certs] Using existing ${spec.baseName} certificate and key on disk`);
    return;
  }
  if (!ca.keys) throw externalCAError(leaf, ca);
  const made = await prepare(ctx, spec);
  logOrphan(ctx, leaf);
  ctx.log.info(`[certs] Generating "${spec.baseName}" certificate and key`);
  await writeKeyAndCert(ctx, spec, made);
  if (spec.usages.includes("serverAuth")) {
    ctx.log.info(
      `[certs] ${spec.baseName} serving cert is signed for DNS names [${spec.dnsNames.join(" ")}] and IPs [${
        spec.ips.join(" ")
      }]`,
    );
  }
}

async function runSA(ctx: InitContext): Promise<void> {
  const dir = certDir(ctx);
  const state = await saState(dir);
  if (state === "external") return ctx.log.info("[certs] Using existing sa keys");
  const keyPath = `${dir}/${SA.key}`, pubPath = `${dir}/${SA.pub}`;
  if (state === "reuse") {
    const keys = await parsePrivateKeyPem((await readTextIfExists(keyPath))!, keyPath);
    if ((await readTextIfExists(pubPath)) === undefined) {
      await writeFileAtomic(pubPath, await publicKeyToPem(await publicKeyOf(keys.privateKey)), {
        mode: KEY_MODE,
      });
    }
    return ctx.log.info(`[certs] Using the existing "sa" key`);
  }
  const made = await prepareSA(ctx);
  ctx.log.info(`[certs] Generating "sa" key and public key`);
  await writeFilesAtomic([
    { path: keyPath, data: made.keyPem, mode: KEY_MODE },
    { path: pubPath, data: made.pubPem, mode: KEY_MODE },
  ]);
}

const hasLocalEtcd = (ctx: InitContext) => ctx.cfg.cluster.etcd.local !== undefined;

/** The spec of `name` for this run (the table is resolved per config). */
function specOf(ctx: InitContext, name: string): CertSpec {
  const spec = certSpecs(ctx.cfg, ctx.minor).find((s) => s.name === name);
  if (!spec) throw new Error(`internal: no certificate spec ${name}`);
  return spec;
}

function certSubPhase(def: { name: string; longName: string; etcd: boolean; ca?: string }): Phase {
  return {
    name: def.name,
    short: `Generate the ${def.longName}`,
    ...(def.etcd ? { runIf: hasLocalEtcd } : {}),
    run: (ctx) =>
      def.ca === undefined ? runCA(ctx, specOf(ctx, def.name)) : runLeaf(ctx, specOf(ctx, def.name)),
  };
}

export const certsPhase: Phase = {
  name: "certs",
  short: "Certificate generation",
  phases: [
    ...CERTS.map(certSubPhase),
    {
      name: SA.name,
      short: "Generate a private key for signing service account tokens along with its public key",
      run: runSA,
    },
  ],
  async run(ctx) {
    ctx.log.info(`[certs] Using certificateDir folder "${certDir(ctx)}"`);
    const plan = await preflightCerts(ctx);
    const n = plan.certs.length + (plan.sa ? 1 : 0);
    if (n > 0) ctx.keys.prefetch?.(ctx.cfg.cluster.encryptionAlgorithm, n);
    for (const spec of plan.certs) void prepare(ctx, spec);
    if (plan.sa) void prepareSA(ctx);
  },
};
