/**
 * upload-certs (kubeadm's phases/copycerts): the control-plane CA files, each encrypted with the
 * certificate key (AES-256-GCM, kubeadm's cryptoutil.EncryptBytes: a random 12-byte nonce, then the
 * sealed data with its 16-byte tag appended: nonce || ciphertext || tag), in the `kubeadm-certs` Secret
 * owned by a short-lived bootstrap token Secret (TTL 2h) so the garbage collector deletes both; the
 * Role/RoleBinding `kubeadm:kubeadm-certs` let bootstrap tokens read it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { BootstrapToken, InitConfig } from "../model.ts";
import { UserError } from "../errors.ts";
import { bootstrapTokenSecret } from "./bootstraptoken.ts";
import {
  base64,
  binding,
  BOOTSTRAPPERS_GROUP,
  getNamed,
  group,
  KUBE_SYSTEM,
  type KubeObject,
  meta,
  role,
  type Secret,
  type Step,
} from "./types.ts";

export const KUBEADM_CERTS = "kubeadm-certs";
/** kubeadm's DefaultCertTokenDuration: the uploaded certificates live two hours. */
export const CERT_TOKEN_TTL = 2 * 3600;
export const CERT_TOKEN_DESCRIPTION = "Proxy for managing TTL for the kubeadm-certs secret";

export interface CertToUpload {
  /** Key in the Secret: the file name relative to certificatesDir with "/" turned into "-". */
  readonly key: string;
  /** Absolute path on the host. */
  readonly path: string;
}

/** The files kubeadm uploads, in its order; with external etcd, the etcd client files instead of etcd/ca. */
export function certsToUpload(cfg: InitConfig): CertToUpload[] {
  const dir = cfg.cluster.certificatesDir;
  const names = ["ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.pub", "sa.key"];
  const out = names.map((n) => ({ key: n, path: `${dir}/${n}` }));
  const ext = cfg.cluster.etcd.external;
  if (!ext) {
    out.push({ key: "etcd-ca.crt", path: `${dir}/etcd/ca.crt` }, {
      key: "etcd-ca.key",
      path: `${dir}/etcd/ca.key`,
    });
  } else {
    // kubeadm skips the external etcd files that are not set.
    if (ext.caFile) out.push({ key: "external-etcd-ca.crt", path: ext.caFile });
    if (ext.certFile) out.push({ key: "external-etcd.crt", path: ext.certFile });
    if (ext.keyFile) out.push({ key: "external-etcd.key", path: ext.keyFile });
  }
  return out;
}

/** The 32-byte AES key from the 64-hex-digit certificate key. */
export function certificateKeyBytes(hexKey: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hexKey)) {
    throw new UserError(
      `Invalid value for certificateKey: it must be 64 hex digits (32 bytes): generate one with 'kadm certs certificate-key'`,
    );
  }
  return new Uint8Array(hexKey.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** AES-256-GCM as kubeadm: nonce || ciphertext || tag. `nonce` is injectable for tests. */
export function encryptBytes(
  data: Uint8Array,
  key: Uint8Array,
  nonce: Uint8Array = randomBytes(12),
): Uint8Array {
  const c = createCipheriv("aes-256-gcm", key, nonce);
  const body = Buffer.concat([c.update(data), c.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, c.getAuthTag()]));
}

/** The inverse (kubeadm join's DecryptBytes); throws on a wrong key. */
export function decryptBytes(sealed: Uint8Array, key: Uint8Array): Uint8Array {
  if (sealed.length < 28) throw new Error("ciphertext too short");
  const d = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return new Uint8Array(Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]));
}

/** The short-lived token that owns the kubeadm-certs Secret (no usages, no groups: it cannot authenticate). */
export function certsOwnerToken(token: string): BootstrapToken {
  return {
    token,
    description: CERT_TOKEN_DESCRIPTION,
    ttl: CERT_TOKEN_TTL,
    expires: "",
    usages: [],
    groups: [],
    generated: false,
  };
}

export interface UploadCertsInput {
  readonly cfg: InitConfig;
  /** Hex certificate key (cfg.certificateKey or a generated one). */
  readonly certificateKey: string;
  /** File contents by Secret key (see certsToUpload); missing files are simply absent. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Name and uid of the owner token Secret, once created (its uid comes from the API server). */
  readonly owner: { readonly name: string; readonly uid: string };
  /** Nonce source (tests); random by default. */
  readonly nonce?: () => Uint8Array;
}

export interface UploadCertsObjects {
  readonly secret: Secret;
  readonly role: KubeObject;
  readonly roleBinding: KubeObject;
  readonly steps: readonly Step[];
}

export function uploadCertsObjects(input: UploadCertsInput): UploadCertsObjects {
  const key = certificateKeyBytes(input.certificateKey);
  const data: Record<string, string> = {};
  for (const { key: name } of certsToUpload(input.cfg)) {
    const bytes = input.files.get(name);
    if (bytes) data[name] = base64(encryptBytes(bytes, key, input.nonce?.()));
  }
  const secret: Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(KUBEADM_CERTS, KUBE_SYSTEM, {
      ownerReferences: [{
        apiVersion: "v1",
        blockOwnerDeletion: true,
        controller: true,
        kind: "Secret",
        name: input.owner.name,
        uid: input.owner.uid,
      }],
    }),
    data,
  };
  const name = "kubeadm:kubeadm-certs";
  const r = role("Role", meta(name, KUBE_SYSTEM), [getNamed("secrets", KUBEADM_CERTS)]);
  const rb = binding("RoleBinding", meta(name, KUBE_SYSTEM), { kind: "Role", name }, [
    group(BOOTSTRAPPERS_GROUP),
  ]);
  return {
    secret,
    role: r,
    roleBinding: rb,
    steps: [
      {
        line:
          `[upload-certs] Storing the certificates in Secret "${KUBEADM_CERTS}" in the "${KUBE_SYSTEM}" Namespace`,
        objects: [secret, r, rb],
      },
      // `fmt.Printf("[upload-certs] Using certificate key:\n%s\n", ...)` in every stored uploadcerts.go;
      // real v1.24.1, v1.27.6, v1.30.2 and v1.31 transcripts print the key on its own line.
      { line: `[upload-certs] Using certificate key:\n${input.certificateKey}`, objects: [] },
    ],
  };
}

/** The owner token Secret, created first so its uid can go into the ownerReference. */
export function certsOwnerSecret(token: string, now: Date): Secret {
  return bootstrapTokenSecret(certsOwnerToken(token), now);
}
