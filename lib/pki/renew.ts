/**
 * What `kadm certs renew` and `check-expiration` work on, as kubeadm's renewal manager lists it
 * (phases/certs/renewal/manager.go): every leaf of the certificate tree by its phase name, and the client
 * certificates embedded in admin.conf, super-admin.conf, controller-manager.conf and scheduler.conf by
 * file name (never kubelet.conf: the kubelet rotates its own). A renewal keeps the subject, SANs, usages
 * and key, with a new serial and validity, signed by the same CA; a kubeconfig keeps every byte but its
 * client-certificate-data value. Pure: the caller reads and writes the files. A CA is never renewed.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { parseDocument, Scalar } from "yaml";
import { UserError } from "../errors.ts";
import { base64Text } from "../kubeconfig.ts";
import { type Certificate, type CertTemplate, sanList } from "./certs.ts";
import { BACKDATE_MS, CERTS, type Usage } from "./specs.ts";

/** kubeadm's default certificateValidityPeriod (8760h). */
export const DEFAULT_LEAF_VALIDITY_SECONDS = 365 * 24 * 3600;

/** One renewable certificate: a file of the certificate folder or a kubeconfig's client certificate. */
export interface RenewTarget {
  /** kubeadm's name: the certs phase name, or the kubeconfig file name ("admin.conf"). */
  readonly name: string;
  /** kubeadm's LongName, printed as "<longName> renewed" / "MISSING! <longName>". */
  readonly longName: string;
  readonly kind: "cert" | "kubeconfig";
  /** Base name under the certificate folder, or the file name under the kubeconfig folder. */
  readonly file: string;
  readonly caName: string;
  readonly caBaseName: string;
  /** Signed by the etcd CA (left out with external etcd, as kubeadm's GetCertsWithoutEtcd does). */
  readonly etcd: boolean;
  /** super-admin.conf, written from v1.29 on. */
  readonly superAdminOnly: boolean;
}

/** The kubeconfigs kubeadm renews, with its long names (kubelet.conf is left to the kubelet). */
const KUBECONFIG_TARGETS = [
  ["admin.conf", "for the admin to use and for kubeadm itself", false],
  ["super-admin.conf", "for the super-admin", true],
  ["controller-manager.conf", "for the controller manager to use", false],
  ["scheduler.conf", "for the scheduler manager to use", false],
] as const;

const byName = <T extends { readonly name: string }>(a: T, b: T) => (a.name < b.name ? -1 : 1);

/** Every renewable certificate, sorted by name (kubeadm's Manager.Certificates order). */
export const RENEW_TARGETS: readonly RenewTarget[] = [
  ...CERTS.filter((d) => d.ca !== undefined).map((d): RenewTarget => {
    const ca = CERTS.find((c) => c.name === d.ca)!;
    return {
      name: d.name,
      longName: d.longName,
      kind: "cert",
      file: d.baseName,
      caName: ca.name,
      caBaseName: ca.baseName,
      etcd: d.etcd,
      superAdminOnly: false,
    };
  }),
  ...KUBECONFIG_TARGETS.map(([file, who, superAdminOnly]): RenewTarget => ({
    name: file,
    longName: `certificate embedded in the kubeconfig file ${who}`,
    kind: "kubeconfig",
    file,
    caName: "ca",
    caBaseName: "ca",
    etcd: false,
    superAdminOnly,
  })),
].sort(byName);

/** The CAs of the certificate tree, sorted by name (kubeadm's Manager.CAs order). */
export const RENEW_CAS: readonly {
  readonly name: string;
  readonly baseName: string;
  readonly etcd: boolean;
}[] = CERTS.filter((d) => d.ca === undefined).map((d) => ({
  name: d.name,
  baseName: d.baseName,
  etcd: d.etcd,
}))
  .sort(byName);

/** The targets of a cluster: no etcd tree with external etcd, no super-admin.conf before v1.29. */
export function renewTargets(
  o: { readonly localEtcd: boolean; readonly superAdmin: boolean },
): RenewTarget[] {
  return RENEW_TARGETS.filter((t) => (o.localEtcd || !t.etcd) && (o.superAdmin || !t.superAdminOnly));
}

export interface RenewalValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** notAfter was cut to the CA's notAfter (the requested period would outlive the CA). */
  readonly capped: boolean;
}

/**
 * kubeadm's renewal validity: notBefore = now - 5 min (v1.31+; before, the CA's notBefore when
 * `caNotBefore` is asked for), notAfter = now + the certificateValidityPeriod. kadm also never lets a
 * leaf outlive its CA: notAfter is cut to the CA's notAfter (kubeadm does not cut it).
 */
export function renewalValidity(
  now: Date,
  validitySeconds: number,
  ca: Certificate,
  useCANotBefore = false,
): RenewalValidity {
  const wanted = new Date(now.getTime() + validitySeconds * 1000);
  const capped = wanted.getTime() > ca.notAfter.getTime();
  return {
    notBefore: useCANotBefore ? ca.notBefore : new Date(now.getTime() - BACKDATE_MS),
    notAfter: capped ? ca.notAfter : wanted,
    capped,
  };
}

const EKU: Readonly<Record<string, Usage>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
};

function randomSerial(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(8));
  const v = b.reduce((n, x) => (n << 8n) | BigInt(x), 0n) & ((1n << 63n) - 1n);
  return (v % ((1n << 63n) - 2n)) + 1n;
}

/** The template that re-issues `cert` (kubeadm's certToConfig: CN, O, SANs, usages) for `validity`. */
export function renewalTemplate(
  cert: Certificate,
  validity: { readonly notBefore: Date; readonly notAfter: Date },
): CertTemplate {
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
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
  };
}

/** The current context's credentials of a kubeconfig, and how to swap its client certificate. */
export interface KubeconfigClient {
  /** certificate-authority-data, decoded. */
  readonly caPem: string;
  /** client-certificate-data, decoded. */
  readonly certPem: string;
  /** client-key-data, decoded. */
  readonly keyPem: string;
  /** The same text with `certPem` as client-certificate-data: every other byte is kept. */
  withClientCert(certPem: string): string;
}

type Rec = Record<string, unknown>;

/**
 * Reads a kubeconfig as kubeadm's kubeConfigReadWriter does: the current context must name a cluster
 * with certificate-authority-data and a user with client-certificate-data (and, for kadm, client-key-data).
 */
export function readKubeconfigClient(text: string, path: string): KubeconfigClient {
  const bad = (why: string) => new UserError(`Invalid kubeconfig file ${path}: ${why}`);
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw bad(`not YAML (${doc.errors[0]!.message.split("\n")[0]}): fix or restore it`);
  }
  const js = (doc.toJS() ?? {}) as Rec;
  const list = (k: string) => (Array.isArray(js[k]) ? js[k] as Rec[] : []);
  const current = js["current-context"];
  const context = list("contexts").find((c) => c?.name === current)?.context as Rec | undefined;
  if (!context) throw bad(`missing context "${current}" (its current-context)`);
  const cluster = list("clusters").find((c) => c?.name === context.cluster)?.cluster as Rec | undefined;
  if (!cluster) throw bad(`missing cluster "${context.cluster}" of the current context`);
  const userIndex = list("users").findIndex((u) => u?.name === context.user);
  const user = list("users")[userIndex]?.user as Rec | undefined;
  if (!user) throw bad(`missing user "${context.user}" of the current context`);
  const data = (o: Rec, field: string, what: string) => {
    const v = o[field];
    if (typeof v !== "string" || v === "") {
      throw new UserError(
        `The kubeconfig file ${path} does not have an embedded ${what} (${field}): kadm renews only the files kubeadm writes`,
      );
    }
    return base64Text(v, path, field);
  };
  const caPem = data(cluster, "certificate-authority-data", "server certificate");
  const certPem = data(user, "client-certificate-data", "client certificate");
  const keyPem = data(user, "client-key-data", "client key");
  const node = doc.getIn(["users", userIndex, "user", "client-certificate-data"], true);
  if (!(node instanceof Scalar) || !node.range) throw bad("client-certificate-data is not a plain value");
  const [start, end] = node.range;
  const quote = /^["']/.test(text.slice(start, end)) ? text[start]! : "";
  return {
    caPem,
    certPem,
    keyPem,
    withClientCert(pem: string): string {
      const b64 = btoa(pem);
      return text.slice(0, start) + quote + b64 + quote + text.slice(end);
    },
  };
}
