/**
 * `kadm certs`, as kubeadm's `certs` commands (cmd/kubeadm/app/cmd/certs.go):
 * - `renew <name...|all>` re-issues leaf certificates and the client certificates of admin.conf,
 *   super-admin.conf, controller-manager.conf and scheduler.conf with the CA on disk, keeping their keys
 *   (kubeadm makes new keys). Never a CA; a target whose CA has no key (an external CA) is refused when
 *   named, and skipped with kubeadm's line by `all`. Every target is checked before anything is written.
 * - `check-expiration` prints kubeadm v1.34's two tables.
 * - `certificate-key` prints a new 32-byte key (hex).
 * The validity (certificateValidityPeriod) and the cluster's shape (certificatesDir, external etcd,
 * Kubernetes version) come from `--config F`, else the defaults: kadm does not read the kubeadm-config
 * ConfigMap. kadm's record gets a renewed leaf's fingerprint before the file is written.
 */
import { UserError } from "../lib/errors.ts";
import { consoleLogger, type Logger } from "../lib/log.ts";
import { exists, readTextIfExists, writeFileAtomic } from "../lib/host.ts";
import { parseVersion } from "../lib/model.ts";
import { minorInfo, NEWEST_MINOR, OLDEST_MINOR } from "../lib/versions.ts";
import { build, readConfigText } from "../lib/config/load.ts";
import { versionFromManifests } from "./reset.ts";
import { parsePrivateKeyPem } from "../lib/pki/keys.ts";
import {
  type Certificate,
  certToPem,
  createCertificate,
  isSignedBy,
  keyMatchesCert,
  parseCertsPem,
} from "../lib/pki/certs.ts";
import {
  DEFAULT_LEAF_VALIDITY_SECONDS,
  readKubeconfigClient,
  RENEW_CAS,
  RENEW_TARGETS,
  renewalTemplate,
  renewalValidity,
  type RenewTarget,
  renewTargets,
} from "../lib/pki/renew.ts";
import { type ExpirationRow, renderExpiration } from "../lib/pki/expiration.ts";
import { fingerprint, type KadmState, readState, updateState, withEntry } from "../lib/state.ts";
import { loadPair, type Pair } from "../phases/certs-pairs.ts";

export interface CertsOptions {
  readonly certDir?: string;
  readonly kubeconfigDir?: string;
  /** A kubeadm config file: certificateValidityPeriod, certificatesDir, etcd, kubernetesVersion. */
  readonly config?: string;
  readonly rootfs?: string;
}

export type RenewOptions = CertsOptions;

/** What the commands work on, resolved from the flags, --config and the files on disk. */
interface Cluster {
  readonly certDir: string;
  readonly kubeconfigDir: string;
  readonly validitySeconds: number;
  /** Leaves start at the CA's notBefore (kubeadm before v1.31) instead of now - 5 min. */
  readonly caNotBefore: boolean;
  readonly targets: readonly RenewTarget[];
  readonly cas: readonly { readonly name: string; readonly baseName: string }[];
}

/**
 * The cluster's minor: --config's kubernetesVersion, else the control-plane manifests' image tag, else the
 * newest. Local etcd: --config says so, else the certificate folder has an `etcd` folder. super-admin.conf:
 * from v1.29, or whenever the file exists.
 */
async function resolveCluster(o: CertsOptions, log: Logger): Promise<Cluster> {
  const root = o.rootfs ?? "";
  const cfg = o.config === undefined ? undefined : await loadConfig(o.config, log);
  const certDir = root + (o.certDir ?? cfg?.certificatesDir ?? "/etc/kubernetes/pki");
  const kubeconfigDir = root + (o.kubeconfigDir ?? "/etc/kubernetes");
  const version = cfg?.kubernetesVersion ?? await versionFromManifests(root);
  const minor = Math.min(
    NEWEST_MINOR,
    Math.max(OLDEST_MINOR, parseVersion(version ?? "")?.minor ?? NEWEST_MINOR),
  );
  const info = minorInfo(minor);
  const localEtcd = cfg ? cfg.etcd.local !== undefined : await exists(`${certDir}/etcd`);
  const superAdmin = info.superAdmin || await exists(`${kubeconfigDir}/super-admin.conf`);
  return {
    certDir,
    kubeconfigDir,
    validitySeconds: cfg?.certificateValidityPeriod ?? DEFAULT_LEAF_VALIDITY_SECONDS,
    caNotBefore: !info.certBackdate,
    targets: renewTargets({ localEtcd, superAdmin }),
    cas: RENEW_CAS.filter((c) => localEtcd || !c.etcd),
  };
}

async function loadConfig(path: string, log: Logger) {
  const { cfg, warnings } = build(await readConfigText(path), path, {}, undefined);
  for (const w of warnings) log.warn(`W: ${w}`);
  return cfg.cluster;
}

// ---------------------------------------------------------------- renew

/** A renewal ready to be written. */
interface Planned {
  readonly target: RenewTarget;
  readonly path: string;
  readonly text: string;
  readonly mode: number;
  readonly cert: Certificate;
  readonly capped: boolean;
  readonly caPath: string;
}

/** Renews the named certificates (or every one of the cluster for "all"). */
export async function certsRenew(
  names: readonly string[],
  o: RenewOptions,
  log: Logger = consoleLogger(),
  now = new Date(),
): Promise<void> {
  if (names.length === 0) throw new UserError(`Missing certificate name: give one of ${validNames()} or all`);
  for (const n of names) checkName(n);
  const c = await resolveCluster(o, log);
  const all = names.includes("all");
  const chosen = all ? c.targets : RENEW_TARGETS.filter((t) => names.includes(t.name));
  for (const t of chosen.filter((t) => !c.targets.includes(t))) {
    throw new UserError(
      `Cannot renew "${t.name}": this cluster has no such certificate (${
        t.etcd ? "its etcd is external" : "super-admin.conf exists from v1.29"
      }); check --config or the files under ${t.etcd ? c.certDir : c.kubeconfigDir}`,
    );
  }
  const state = await readState(c.certDir);
  // In kubeadm's order: what is renewed, and the lines for what `all` skips.
  const steps: (Planned | string)[] = [];
  for (const t of chosen) {
    const p = await plan(t, c, state, now);
    if (p.skip === undefined) steps.push(p.planned);
    else if (all) steps.push(p.skip.line);
    else throw new UserError(p.skip.error);
  }
  if (!steps.some((p) => typeof p !== "string")) {
    for (const line of steps) log.info(line as string);
    throw new UserError(
      `No certificate to renew in ${c.certDir} or ${c.kubeconfigDir}: run 'kadm init' first`,
    );
  }
  for (const p of steps) {
    if (typeof p === "string") {
      log.info(p);
      continue;
    }
    const entry = p.target.kind === "cert" ? state.generated[p.target.file] : undefined;
    if (entry) {
      // Recorded before the write: a run killed in between leaves a certificate kadm still knows.
      const fp = await fingerprint(p.cert.rawData);
      await updateState(c.certDir, (s) => withEntry(s, p.target.file, { ...entry, cert: fp }));
    }
    await writeFileAtomic(p.path, p.text, { mode: p.mode });
    const what = p.target.kind === "cert" ? "certificate" : "client certificate in";
    log.info(
      `[certs] Renewed the "${p.target.name}" ${what} ${p.path}: valid until ${p.cert.notAfter.toISOString()}; its key is kept`,
    );
    if (p.capped) {
      log.warn(
        `[certs] WARNING: the "${p.target.name}" certificate is cut to the expiry of its CA ${p.caPath} (${p.cert.notAfter.toISOString()}): replace that CA before then (kadm never renews a CA)`,
      );
    }
  }
  if (all) {
    log.info("");
    log.info(
      "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.",
    );
  }
}

function checkName(n: string): void {
  if (n === "all" || RENEW_TARGETS.some((t) => t.name === n)) return;
  if (RENEW_CAS.some((c) => c.name === n)) {
    throw new UserError(
      `kadm never renews a CA ("${n}"): a new CA invalidates every certificate and kubeconfig it signed; renew the leaves with 'kadm certs renew all'`,
    );
  }
  if (n === "kubelet.conf") {
    throw new UserError(
      `kadm does not renew kubelet.conf: the kubelet rotates its own client certificate (kubeadm leaves it out too); renew one of ${validNames()}`,
    );
  }
  throw new UserError(`Unknown certificate "${n}": valid names are ${validNames()} and all`);
}

function validNames(): string {
  return RENEW_TARGETS.map((t) => t.name).join(", ");
}

type Plan =
  | { readonly planned: Planned; readonly skip?: undefined }
  | { readonly skip: { readonly line: string; readonly error: string } };

/** Reads and checks one target and signs its new certificate; nothing is written. */
async function plan(t: RenewTarget, c: Cluster, state: KadmState, now: Date): Promise<Plan> {
  const leaf = t.kind === "cert" ? await loadPair(c.certDir, t.file, false, state) : undefined;
  const path = leaf?.crtPath ?? `${c.kubeconfigDir}/${t.file}`;
  const text = leaf ? undefined : await readTextIfExists(path);
  if (leaf ? !leaf.cert : text === undefined) {
    const fix = t.kind === "cert"
      ? `kadm init phase certs ${t.name}`
      : `kadm init phase kubeconfig ${t.name.replace(/\.conf$/, "")}`;
    return {
      skip: {
        line: `MISSING! ${t.longName}`,
        error: `Cannot renew "${t.name}": ${path} does not exist; run '${fix}' to create it`,
      },
    };
  }
  const ca = await loadPair(c.certDir, t.caBaseName, true, state);
  if (!ca.cert) throw new UserError(`Cannot renew "${t.name}": its CA ${ca.crtPath} does not exist`);
  if (!ca.keys) {
    const instead = t.kind === "cert"
      ? `have that CA sign a new ${path} for the key ${leaf!.keyPath}`
      : `have that CA sign a new client certificate for the key in ${path}`;
    return {
      skip: {
        line: `Detected external ${t.caBaseName}, ${t.longName} can't be renewed`,
        error: `Cannot renew "${t.name}": ${ca.keyPath} is missing (an external CA); ${instead}`,
      },
    };
  }
  const old = leaf
    ? { cert: leaf.cert!, keys: leaf.keys!, kubeconfig: undefined }
    : await kubeconfigPair(text!, path, ca);
  if (!(await isSignedBy(old.cert, ca.cert))) {
    const fix = leaf
      ? `delete ${path} and ${leaf.keyPath} and run 'kadm init phase certs ${t.name}'`
      : `delete it and run 'kadm init phase kubeconfig ${t.name.replace(/\.conf$/, "")}'`;
    throw new UserError(`Cannot renew "${t.name}": ${path} is not signed by ${ca.crtPath}; ${fix}`);
  }
  const validity = renewalValidity(now, c.validitySeconds, ca.cert, c.caNotBefore);
  if (validity.notAfter.getTime() <= now.getTime()) {
    throw new UserError(
      `Cannot renew "${t.name}": its CA ${ca.crtPath} expired on ${ca.cert.notAfter.toISOString()}; every certificate it signed must be replaced with a new CA`,
    );
  }
  const cert = await createCertificate(renewalTemplate(old.cert, validity), old.keys, {
    cert: ca.cert,
    key: ca.keys.privateKey,
  });
  const newText = old.kubeconfig ? old.kubeconfig.withClientCert(certToPem(cert)) : certToPem(cert);
  return {
    planned: {
      target: t,
      path,
      text: newText,
      mode: leaf ? 0o644 : 0o600,
      cert,
      capped: validity.capped,
      caPath: ca.crtPath,
    },
  };
}

/** A kubeconfig's client certificate and key, checked against each other and against the CA on disk. */
async function kubeconfigPair(text: string, path: string, ca: Pair) {
  const kubeconfig = readKubeconfigClient(text, path);
  const [trusted] = parseCertsPem(kubeconfig.caPem, `${path} (certificate-authority-data)`);
  if (!sameCert(trusted!, ca.cert!)) {
    throw new UserError(
      `Cannot renew the client certificate of ${path}: its certificate-authority-data is not ${ca.crtPath}; delete it and run 'kadm init phase kubeconfig' so it trusts the CA on disk`,
    );
  }
  const [cert] = parseCertsPem(kubeconfig.certPem, `${path} (client-certificate-data)`);
  const keys = await parsePrivateKeyPem(kubeconfig.keyPem, `${path} (client-key-data)`);
  if (!(await keyMatchesCert(keys, cert!))) {
    throw new UserError(
      `Invalid kubeconfig file ${path}: its client-key-data does not belong to its client-certificate-data; delete it and run 'kadm init phase kubeconfig'`,
    );
  }
  return { cert: cert!, keys, kubeconfig };
}

function sameCert(a: Certificate, b: Certificate): boolean {
  const x = new Uint8Array(a.rawData), y = new Uint8Array(b.rawData);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// ---------------------------------------------------------------- check-expiration

/** kubeadm's `certs check-expiration` tables for the files on disk. */
export async function certsCheckExpiration(
  o: CertsOptions,
  log: Logger = consoleLogger(),
  now = new Date(),
): Promise<void> {
  const c = await resolveCluster(o, log);
  const external = async (caBase: string) =>
    await exists(`${c.certDir}/${caBase}.crt`) && !(await exists(`${c.certDir}/${caBase}.key`));
  const certs: ExpirationRow[] = [];
  for (const t of c.targets) {
    const path = t.kind === "cert" ? `${c.certDir}/${t.file}.crt` : `${c.kubeconfigDir}/${t.file}`;
    const text = await readTextIfExists(path);
    const externallyManaged = await external(t.caBaseName);
    if (text === undefined) {
      certs.push({ name: t.name, externallyManaged });
      continue;
    }
    const pem = t.kind === "cert" ? text : readKubeconfigClient(text, path).certPem;
    const [cert] = parseCertsPem(pem, path);
    certs.push({ name: t.name, notAfter: cert!.notAfter, caName: t.caName, externallyManaged });
  }
  const cas: ExpirationRow[] = [];
  for (const ca of c.cas) {
    const path = `${c.certDir}/${ca.baseName}.crt`;
    const text = await readTextIfExists(path);
    const externallyManaged = await external(ca.baseName);
    cas.push({
      name: ca.name,
      externallyManaged,
      ...(text === undefined ? {} : { notAfter: parseCertsPem(text, path)[0]!.notAfter }),
    });
  }
  log.info(renderExpiration(certs, cas, now).replace(/\n$/, ""));
}

// ---------------------------------------------------------------- certificate-key

/** A new certificate key: 32 random bytes as hex (kubeadm's copycerts.CreateCertificateKey). */
export function newCertificateKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `kadm certs certificate-key`. */
export function certsCertificateKey(log: Logger = consoleLogger()): void {
  log.info(newCertificateKey());
}
