/**
 * Phase `bootstrap-token`: the bootstrap token Secret(s) (`bootstrap-token-<id>`), the RBAC that lets
 * nodes join with them (get nodes, post CSRs, CSR auto-approval, client certificate rotation), and the
 * `cluster-info` ConfigMap in kube-public (the CA and the control-plane endpoint) readable by
 * anonymous. Inputs: bootstrapTokens, controlPlaneEndpoint/localAPIEndpoint, ca.crt.
 * Outputs: API objects (lib/objects/bootstraptoken.ts, clusterinfo.ts).
 */
import { bootstrapTokenObjects, clusterInfoObjects } from "../lib/objects/mod.ts";
import { isNotFound, type KubeClient } from "../lib/kubeapi.ts";
import { controlPlaneURL } from "../lib/kubeconfig.ts";
import { readTextIfExists } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { apiClient, sendSteps } from "./api.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";

/** kubeadm's UpdateOrCreateTokens: GET the Secret, then update it or create it. */
async function createOrUpdateSecret(client: KubeClient, secret: Parameters<KubeClient["create"]>[0]) {
  try {
    const found = await client.get(secret);
    await client.update({
      ...secret,
      metadata: { ...secret.metadata, resourceVersion: found.metadata.resourceVersion },
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create(secret);
  }
}

async function caPem(ctx: InitContext): Promise<string> {
  const path = onDisk(ctx, `${ctx.cfg.cluster.certificatesDir}/ca.crt`);
  const pem = await readTextIfExists(path);
  if (pem === undefined) throw new UserError(`${path} does not exist; run 'kadm init phase certs ca' first`);
  return pem;
}

export const bootstrapTokenPhase: Phase = {
  name: "bootstrap-token",
  short: "Generates bootstrap tokens used to join a node to a cluster",
  async run(ctx) {
    const o = bootstrapTokenObjects(ctx.cfg, ctx.minor, ctx.now);
    const client = await apiClient(ctx);
    const [tokenStep, ...rbacSteps] = o.steps;
    for (const l of tokenStep?.line?.split("\n") ?? []) {
      if (ctx.options.skipTokenPrint && l.startsWith("[bootstrap-token] Using token:")) continue;
      ctx.log.info(l);
    }
    for (const s of o.secrets) await createOrUpdateSecret(client, s);
    await sendSteps(ctx, client, rbacSteps);
    const info = clusterInfoObjects(await caPem(ctx), controlPlaneURL(ctx.cfg));
    await sendSteps(ctx, client, info.steps);
  },
};
