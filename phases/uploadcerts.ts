/**
 * Phase `upload-certs` (only with --upload-certs): the control-plane CAs and keys, each encrypted with
 * the certificate key (AES-256-GCM, as kubeadm's copycerts), in the kube-system/kubeadm-certs Secret,
 * owned by a short-lived (2 h) bootstrap token Secret so it is garbage-collected, with the RBAC that
 * lets joining control-plane nodes read it. The key (--certificate-key or a fresh one) is printed for
 * the control-plane join command unless --skip-certificate-key-print.
 */
import { certsOwnerSecret, certsToUpload, uploadCertsObjects } from "../lib/objects/mod.ts";
import { randomToken } from "../lib/config/mod.ts";
import { readIfExists } from "../lib/host.ts";
import { apiClient, sendSteps } from "./api.ts";
import { type InitContext, memo, onDisk, type Phase } from "./types.ts";

/** The certificate key of this run: the configured one or a fresh random 32-byte key (hex). */
export function certificateKey(ctx: InitContext): Promise<string> {
  return memo(ctx, "upload-certs:key", () => {
    if (ctx.cfg.certificateKey) return Promise.resolve(ctx.cfg.certificateKey);
    const b = crypto.getRandomValues(new Uint8Array(32));
    return Promise.resolve([...b].map((x) => x.toString(16).padStart(2, "0")).join(""));
  });
}

export const uploadCertsPhase: Phase = {
  name: "upload-certs",
  short: "Upload certificates to kubeadm-certs",
  async run(ctx) {
    if (!ctx.options.uploadCerts) {
      ctx.log.info("[upload-certs] Skipping phase. Please see --upload-certs");
      return;
    }
    const key = await certificateKey(ctx);
    const files = new Map<string, Uint8Array>();
    for (const f of certsToUpload(ctx.cfg)) {
      const bytes = await readIfExists(
        f.path.startsWith(ctx.cfg.cluster.certificatesDir) ? onDisk(ctx, f.path) : f.path,
      );
      if (bytes) files.set(f.key, bytes);
    }
    const client = await apiClient(ctx);
    const owner = await client.create(certsOwnerSecret(randomToken(), ctx.now));
    const o = uploadCertsObjects({
      cfg: ctx.cfg,
      certificateKey: key,
      files,
      owner: { name: String(owner.metadata.name), uid: String(owner.metadata.uid ?? "") },
    });
    const steps = ctx.options.skipCertificateKeyPrint
      ? o.steps.filter((s) => !s.line?.startsWith("[upload-certs] Using certificate key"))
      : o.steps;
    await sendSteps(ctx, client, steps);
  },
};
