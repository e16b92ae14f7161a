/**
 * Phase `upload-config`: the kubeadm-config ConfigMap (ClusterConfiguration in the format kubeadm of
 * the minor reads, plus ClusterStatus up to v1.21) and the kubelet-config ConfigMap, each with the
 * Role/RoleBinding that lets joining nodes read it; up to v1.33 (without NodeLocalCRISocket) the
 * Node's kubeadm.alpha.kubernetes.io/cri-socket annotation, patched once the kubelet registered it.
 * Inputs: the whole InitConfig, the resolved CRI socket. Outputs: API objects (lib/objects/uploadconfig.ts).
 */
import { uploadConfigObjects } from "../lib/objects/mod.ts";
import { apiClient, sendSteps } from "./api.ts";
import { resolveCRISocket } from "../lib/preflight/cri.ts";
import type { InitContext, Phase } from "./types.ts";

async function objects(ctx: InitContext) {
  const socket = await resolveCRISocket(ctx.cfg.nodeRegistration.criSocket, ctx.minor, ctx.hostPathExists);
  const o = uploadConfigObjects(ctx.cfg, ctx.minor, socket, {
    hostname: ctx.hostname,
    systemdResolved: false,
  });
  for (const w of o.warnings) ctx.log.warn(`W: ${w}`);
  return o;
}

export const uploadConfigPhase: Phase = {
  name: "upload-config",
  short: "Upload the kubeadm and kubelet configuration to a ConfigMap",
  phases: [
    {
      name: "kubeadm",
      short: "Upload the kubeadm ClusterConfiguration to a ConfigMap",
      async run(ctx) {
        const o = await objects(ctx);
        await sendSteps(ctx, await apiClient(ctx), o.steps.slice(0, 1));
      },
    },
    {
      name: "kubelet",
      short: "Upload the kubelet component config to a ConfigMap",
      async run(ctx) {
        const o = await objects(ctx);
        const client = await apiClient(ctx);
        await sendSteps(ctx, client, o.steps.slice(1));
        if (o.nodeCriSocketPatch) {
          await client.patchNode(o.nodeCriSocketPatch.name, o.nodeCriSocketPatch.patch, {
            timeoutMs: ctx.cfg.cluster.timeouts.kubernetesAPICall * 1000,
          });
        }
      },
    },
  ],
};
