/**
 * Phase `mark-control-plane`: waits for the Node the kubelet registers, then adds the minor's labels
 * and taints (nodeRegistration.taints, or the minor's defaults: master vs control-plane), keeping the
 * taints already on the Node. Inputs: nodeRegistration.name/taints, the DynamicKubeletConfig gate.
 * Output: one Node patch; with DynamicKubeletConfig (v1.20-v1.23) a second one setting spec.configSource.
 */
import { markControlPlanePatch } from "../lib/objects/mod.ts";
import type { Taint } from "../lib/model.ts";
import { dynamicKubeletConfig } from "../lib/dynamic_kubelet.ts";
import { dynamicConfigNodePatch } from "../lib/objects/dynamickubelet.ts";
import { apiClient } from "./api.ts";
import type { Phase } from "./types.ts";

export const markControlPlanePhase: Phase = {
  name: "mark-control-plane",
  short: "Mark a node as a control-plane",
  async run(ctx) {
    const first = markControlPlanePatch(ctx.cfg, ctx.minor);
    for (const l of first.lines) ctx.log.info(l);
    const client = await apiClient(ctx);
    await client.patchNode(ctx.cfg.nodeRegistration.name, (node) => {
      const spec = (node.spec ?? {}) as { taints?: Taint[] };
      return markControlPlanePatch(ctx.cfg, ctx.minor, spec.taints ?? []).patch.patch;
    }, { timeoutMs: ctx.cfg.cluster.timeouts.kubernetesAPICall * 1000 });
    if (dynamicKubeletConfig(ctx.cfg, ctx.minor)) {
      // kubeadm v1.11/v1.12 enabled dynamic kubelet config right after marking the master.
      const d = dynamicConfigNodePatch(ctx.cfg, ctx.minor);
      for (const l of d.lines) ctx.log.info(l);
      await client.patchNode(d.patch.name, d.patch.patch, {
        timeoutMs: ctx.cfg.cluster.timeouts.kubernetesAPICall * 1000,
      });
    }
  },
};
