/**
 * Phase `show-join-command` (v1.26+; earlier minors print the same at the end of init): the success
 * banner with the `kubeadm join` commands: token (withheld with --skip-token-print), one
 * --discovery-token-ca-cert-hash per CA certificate, and the control-plane variant (with the
 * certificate key when certificates were uploaded) when a controlPlaneEndpoint is set.
 */
import { initDoneBanner } from "../lib/joincommand.ts";
import { caCertHash, parseCertsPem } from "../lib/pki/certs.ts";
import { certToPem } from "../lib/pki/certs.ts";
import { parseHostPort } from "../lib/net.ts";
import { joinHostPort } from "../lib/manifests/pod.ts";
import { readTextIfExists } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { certificateKey } from "./uploadcerts.ts";
import { joinToken } from "./bootstraptoken.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";

/** host:port the join commands use: controlPlaneEndpoint (port defaults to bindPort) or the local endpoint. */
export function joinEndpoint(ctx: InitContext): string {
  const ep = ctx.cfg.cluster.controlPlaneEndpoint;
  const bindPort = ctx.cfg.localAPIEndpoint.bindPort;
  if (!ep) return joinHostPort(ctx.cfg.localAPIEndpoint.advertiseAddress, bindPort);
  const { host, port } = parseHostPort(ep, "controlPlaneEndpoint");
  return joinHostPort(host, port || bindPort);
}

export async function printJoinBanner(ctx: InitContext): Promise<void> {
  const caPath = onDisk(ctx, `${ctx.cfg.cluster.certificatesDir}/ca.crt`);
  const caText = await readTextIfExists(caPath);
  if (caText === undefined) {
    throw new UserError(`${caPath} does not exist; run 'kadm init phase certs ca' first`);
  }
  const hashes = await Promise.all(parseCertsPem(caText, caPath).map((c) => caCertHash(certToPem(c))));
  const token = await joinToken(ctx);
  ctx.log.info("");
  ctx.log.info(
    initDoneBanner({
      minor: ctx.minor.minor,
      adminConfPath: onDisk(ctx, `${ctx.paths.kubeconfigDir}/admin.conf`),
      endpoint: joinEndpoint(ctx),
      token: ctx.options.skipTokenPrint ? undefined : token,
      caCertHashes: hashes,
      hasControlPlaneEndpoint: ctx.cfg.cluster.controlPlaneEndpoint !== "",
      uploadCerts: ctx.options.uploadCerts,
      ...(ctx.options.uploadCerts && !ctx.options.skipCertificateKeyPrint
        ? { certificateKey: await certificateKey(ctx) }
        : {}),
    }).replace(/\n$/, ""),
  );
}

export const showJoinCommandPhase: Phase = {
  name: "show-join-command",
  short: "Show the join command for control-plane and worker node",
  run: printJoinBanner,
};
