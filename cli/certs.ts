/**
 * `kadm certs renew <name...|all>`: re-issues leaf certificates with the CA on disk, keeping their
 * keys, as kubeadm's `certs renew` does (kubeconfig client certificates are not renewed here yet).
 * Never touches a CA: CAs cannot be named, and a leaf whose CA has no key on disk (an external CA)
 * is refused with what to do instead. kadm's record gets the new certificate's fingerprint first.
 */
import { UserError } from "../lib/errors.ts";
import { consoleLogger, type Logger } from "../lib/log.ts";
import { writeFileAtomic } from "../lib/host.ts";
import { CERTS } from "../lib/pki/specs.ts";
import { certToPem, createCertificate, isSignedBy } from "../lib/pki/certs.ts";
import { DEFAULT_LEAF_VALIDITY_SECONDS, renewalTemplate } from "../lib/pki/renew.ts";
import { fingerprint, readState, updateState, withEntry } from "../lib/state.ts";
import { loadPair } from "../phases/certs-pairs.ts";

export interface RenewOptions {
  readonly certDir?: string;
  readonly rootfs?: string;
}

const LEAVES = CERTS.filter((d) => d.ca !== undefined);

/** Renews the named leaf certificates (or every one on disk for "all"). */
export async function certsRenew(
  names: readonly string[],
  o: RenewOptions,
  log: Logger = consoleLogger(),
  now = new Date(),
): Promise<void> {
  const dir = (o.rootfs ?? "") + (o.certDir ?? "/etc/kubernetes/pki");
  const all = names.includes("all");
  if (names.length === 0) throw new UserError(`Missing certificate name: give one of ${validNames()} or all`);
  for (const n of names) {
    if (n === "all") continue;
    if (CERTS.some((d) => d.name === n && d.ca === undefined)) {
      throw new UserError(
        `kadm never renews a CA ("${n}"): a new CA invalidates every certificate and kubeconfig it signed; renew the leaves with 'kadm certs renew all'`,
      );
    }
    if (!LEAVES.some((d) => d.name === n)) {
      throw new UserError(`Unknown certificate "${n}": valid names are ${validNames()} and all`);
    }
  }
  const state = await readState(dir);
  let renewed = 0;
  for (const def of LEAVES.filter((d) => all || names.includes(d.name))) {
    const caDef = CERTS.find((d) => d.name === def.ca)!;
    const leaf = await loadPair(dir, def.baseName, false, state);
    if (!leaf.cert || !leaf.keys) {
      if (all) continue; // "all" renews what exists (no etcd tree with external etcd)
      throw new UserError(
        `Cannot renew "${def.name}": ${leaf.crtPath} does not exist; run 'kadm init phase certs ${def.name}' to create it`,
      );
    }
    const ca = await loadPair(dir, caDef.baseName, true, state);
    if (!ca.cert) throw new UserError(`Cannot renew "${def.name}": its CA ${ca.crtPath} does not exist`);
    if (!ca.keys) {
      throw new UserError(
        `Cannot renew "${def.name}": ${ca.keyPath} is missing (an external CA); have that CA sign a new ${leaf.crtPath} for the key ${leaf.keyPath}`,
      );
    }
    if (!(await isSignedBy(leaf.cert, ca.cert))) {
      throw new UserError(
        `Cannot renew "${def.name}": ${leaf.crtPath} is not signed by ${ca.crtPath}; delete ${leaf.crtPath} and ${leaf.keyPath} and run 'kadm init phase certs ${def.name}'`,
      );
    }
    const cert = await createCertificate(
      renewalTemplate(leaf.cert, now, DEFAULT_LEAF_VALIDITY_SECONDS),
      leaf.keys,
      { cert: ca.cert, key: ca.keys.privateKey },
    );
    const entry = state.generated[def.baseName];
    if (entry) {
      // Recorded before the write: a run killed in between leaves a certificate kadm still knows.
      const fp = await fingerprint(cert.rawData);
      await updateState(dir, (s) => withEntry(s, def.baseName, { ...entry, cert: fp }));
    }
    await writeFileAtomic(leaf.crtPath, certToPem(cert), { mode: 0o644 });
    log.info(
      `[certs] Renewed the "${def.name}" certificate ${leaf.crtPath}: valid until ${cert.notAfter.toISOString()}; its key is kept`,
    );
    renewed++;
  }
  if (renewed === 0) throw new UserError(`No certificate to renew in ${dir}: run 'kadm init' first`);
  log.info(
    "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.",
  );
}

function validNames(): string {
  return LEAVES.map((d) => d.name).join(", ");
}
