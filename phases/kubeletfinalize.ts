/**
 * Phase `kubelet-finalize`: after the kubelet's TLS bootstrap, point kubelet.conf at the rotating
 * client certificate /var/lib/kubelet/pki/kubelet-client-current.pem (certificate and key in one file)
 * instead of the embedded one, as kubeadm does. Where that file is not there (yet), nothing changes.
 */
import { parse } from "yaml";
import { readIfExists, readTextIfExists, writeFileAtomic } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import { onDisk, type Phase } from "./types.ts";

export const kubeletFinalizePhase: Phase = {
  name: "kubelet-finalize",
  short: "Updates settings relevant to the kubelet after TLS bootstrap",
  phases: [{
    name: "enable-client-cert-rotation",
    // kubeadm's name up to v1.30, a deprecated alias since.
    aliases: ["experimental-cert-rotation"],
    short: "Enable kubelet client certificate rotation",
    async run(ctx) {
      const pem = `${ctx.paths.kubeletDir}/pki/kubelet-client-current.pem`;
      if ((await readIfExists(onDisk(ctx, pem))) === undefined) {
        if (!ctx.dryRun) {
          ctx.log.info(
            `[kubelet-finalize] Skipping: "${pem}" does not exist yet, kubelet.conf keeps its client certificate`,
          );
        }
        return;
      }
      const confPath = `${ctx.paths.kubeconfigDir}/kubelet.conf`;
      const text = await readTextIfExists(onDisk(ctx, confPath));
      if (text === undefined) {
        throw new UserError(
          `${onDisk(ctx, confPath)} does not exist; run 'kadm init phase kubeconfig kubelet' first`,
        );
      }
      ctx.log.info(
        `[kubelet-finalize] Updating "${confPath}" to point to a rotatable kubelet client certificate and key`,
      );
      const conf = parse(text) as { users?: { user?: Record<string, unknown> }[] };
      for (const u of conf.users ?? []) {
        u.user = { ...(u.user ?? {}), "client-certificate": pem, "client-key": pem };
        delete u.user["client-certificate-data"];
        delete u.user["client-key-data"];
      }
      await writeFileAtomic(onDisk(ctx, confPath), toKubeYaml(conf), { mode: 0o600 });
    },
  }],
};
