/**
 * kubeconfig: admin.conf, super-admin.conf (v1.29+), kubelet.conf, controller-manager.conf and
 * scheduler.conf (kubeadm's `init phase kubeconfig`).
 *
 * Inputs: ca.crt and ca.key under onDisk(cluster.certificatesDir); clusterName,
 * controlPlaneEndpoint, localAPIEndpoint, nodeRegistration.name, encryptionAlgorithm, validity
 * periods; MinorInfo certOrgs.admin, superAdmin, kubeletConfLocal.
 * Outputs: onDisk(paths.kubeconfigDir)/<file> mode 0600, each with a client certificate
 * (clientAuth) signed by the Kubernetes CA. An existing file is kept when it trusts the same CA
 * (a different server only warns); with an external CA (ca.crt without ca.key) every file must
 * already exist.
 */
import type { InitContext, Phase } from "./types.ts";
import { memo, onDisk } from "./types.ts";
import { UserError } from "../lib/errors.ts";
import { readTextIfExists, writeFileAtomic } from "../lib/host.ts";
import {
  checkExistingKubeconfig,
  type KubeconfigDef,
  KUBECONFIGS,
  type KubeconfigSpec,
  kubeconfigSpecs,
  parseKubeconfig,
  renderKubeconfig,
} from "../lib/kubeconfig.ts";
import { serialFor, validityFor } from "../lib/pki/specs.ts";
import { pemEncode, privateKeyToPem } from "../lib/pki/keys.ts";
import { certToPem, createCertificateDer, isCA } from "../lib/pki/certs.ts";
import { cachedPair } from "./certs.ts";

const MODE = 0o600;

function kubeconfigDir(ctx: InitContext): string {
  return onDisk(ctx, ctx.paths.kubeconfigDir);
}

/** The Kubernetes CA from the certificate folder; the key is absent in external CA mode. */
function loadCA(ctx: InitContext) {
  return memo(ctx, "kubeconfig:ca", () => readCA(ctx));
}

async function readCA(ctx: InitContext) {
  const ca = await cachedPair(ctx, "ca", true);
  if (!ca.cert) {
    throw new UserError(
      `The CA files do not exist: ${ca.crtPath} is missing; run 'kadm init phase certs ca' first`,
    );
  }
  if (!isCA(ca.cert)) {
    throw new UserError(`${ca.crtPath} is not a CA certificate: replace it or delete it and its key`);
  }
  return { ...ca, cert: ca.cert, pem: certToPem(ca.cert) };
}

type CA = Awaited<ReturnType<typeof readCA>>;

/**
 * What to do for `spec`: "write" a new file, "reuse" the one there, or "external" (no CA key, a
 * user-provided file). Throws when the existing file cannot be kept. `warn` prints server drift.
 */
async function inspect(ctx: InitContext, spec: KubeconfigSpec, ca: CA, warn: boolean) {
  const path = `${kubeconfigDir(ctx)}/${spec.file}`;
  const text = await readTextIfExists(path);
  if (text === undefined) {
    if (ca.keys) return "write";
    throw new UserError(
      `External CA mode (${ca.crtPath} without ${ca.keyPath}): ${path} is missing and kadm cannot sign its client certificate; provide ${path} or provide ${ca.keyPath}`,
    );
  }
  const found = parseKubeconfig(text, path);
  const caText = found.caData ?? (found.caFile ? await readTextIfExists(found.caFile) : undefined);
  const warning = checkExistingKubeconfig(
    { server: found.server, caPem: caText },
    { server: spec.server, caPem: ca.pem },
    path,
    ca.crtPath,
  );
  if (warning && warn) ctx.log.warn(warning);
  return ca.keys ? "reuse" : "external";
}

/** The file's text with a new client certificate; computed once per run (the parent starts them all). */
function render(ctx: InitContext, spec: KubeconfigSpec, ca: CA): Promise<string> {
  return memo(ctx, `kubeconfig:new:${spec.name}`, async () => {
    if (!ca.keys) throw new Error("internal: no CA key");
    const keys = await ctx.keys.generate(ctx.cfg.cluster.encryptionAlgorithm);
    const leaf = { isCA: false };
    const [der, keyPem] = await Promise.all([
      createCertificateDer(
        {
          cn: spec.cn,
          orgs: spec.orgs,
          dnsNames: [],
          ips: [],
          usages: ["clientAuth"],
          isCA: false,
          leafBasicConstraints: ctx.minor.leafBasicConstraints,
          serial: serialFor(leaf, ctx.minor),
          ...validityFor(leaf, ctx.cfg, ctx.minor, ctx.now, ca.cert.notBefore),
        },
        keys,
        { cert: ca.cert, key: ca.keys.privateKey },
      ),
      privateKeyToPem(keys.privateKey),
    ]);
    return renderKubeconfig({
      clusterName: ctx.cfg.cluster.clusterName,
      server: spec.server,
      user: spec.cn,
      caPem: ca.pem,
      certPem: pemEncode("CERTIFICATE", der),
      keyPem,
    });
  });
}

async function runOne(ctx: InitContext, name: KubeconfigDef["name"]): Promise<void> {
  const spec = kubeconfigSpecs(ctx.cfg, ctx.minor).find((s) => s.name === name);
  if (!spec) throw new Error(`internal: no kubeconfig spec ${name}`);
  const ca = await loadCA(ctx);
  const path = `${kubeconfigDir(ctx)}/${spec.file}`;
  const action = await inspect(ctx, spec, ca, true);
  if (action === "external") {
    return ctx.log.info(`[kubeconfig] External CA mode: Using user provided ${spec.file}`);
  }
  if (action === "reuse") return ctx.log.info(`[kubeconfig] Using existing kubeconfig file: "${path}"`);
  const text = await render(ctx, spec, ca);
  ctx.log.info(`[kubeconfig] Writing "${spec.file}" kubeconfig file`);
  await writeFileAtomic(path, text, { mode: MODE });
}

export const kubeconfigPhase: Phase = {
  name: "kubeconfig",
  short:
    "Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file",
  phases: KUBECONFIGS.map((d) => ({
    name: d.name,
    short: d.short,
    ...(d.superAdminOnly ? { runIf: (ctx: InitContext) => ctx.minor.superAdmin } : {}),
    run: (ctx: InitContext) => runOne(ctx, d.name),
  })),
  async run(ctx) {
    ctx.log.info(`[kubeconfig] Using kubeconfig folder "${kubeconfigDir(ctx)}"`);
    const ca = await loadCA(ctx);
    const toWrite = [];
    for (const spec of kubeconfigSpecs(ctx.cfg, ctx.minor)) {
      if ((await inspect(ctx, spec, ca, false)) === "write") toWrite.push(spec);
    }
    if (toWrite.length > 0) ctx.keys.prefetch?.(ctx.cfg.cluster.encryptionAlgorithm, toWrite.length);
    for (const spec of toWrite) void render(ctx, spec, ca);
  },
};
