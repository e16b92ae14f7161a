/**
 * Phase `mark-control-plane`: waits for the Node the kubelet registers, then adds the minor's labels
 * and taints (nodeRegistration.taints, or the minor's defaults: master vs control-plane), keeping the
 * taints already on the Node. Inputs: nodeRegistration.name/taints. Output: one Node patch.
 */
import { markControlPlanePatch } from "../lib/objects/mod.ts";
import type { Taint } from "../lib/model.ts";
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
  },
};
