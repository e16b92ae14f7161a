/**
 * Phase `bootstrap-token`: the bootstrap token Secret(s) (`bootstrap-token-<id>`), the RBAC that lets
 * nodes join with them (get nodes, post CSRs, CSR auto-approval, client certificate rotation), and the
 * `cluster-info` ConfigMap in kube-public (the CA and the control-plane endpoint) readable by
 * anonymous. Inputs: bootstrapTokens, controlPlaneEndpoint/localAPIEndpoint, ca.crt; kadm's record
 * (lib/state.ts: the IDs of the token Secrets earlier inits created).
 * Outputs: API objects (lib/objects/bootstraptoken.ts, clusterinfo.ts); the created IDs in the record.
 *
 * Re-runs never revive a token: a generated token (none given) is created only on the first init
 * (the record names no token); a later run joins with the first one while it is valid on the server.
 * A given token is created when absent and never created before, left as it is when present (valid
 * or expired), and not created again once it expired or was deleted.
 */
import { bootstrapTokenObjects, clusterInfoObjects, splitToken } from "../lib/objects/mod.ts";
import { isNotFound, type KubeClient, type KubeObject } from "../lib/kubeapi.ts";
import { controlPlaneURL } from "../lib/kubeconfig.ts";
import { readTextIfExists } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { type KadmState, readState, updateState, withToken } from "../lib/state.ts";
import { apiClient, sendSteps } from "./api.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";

const JOIN_TOKEN = "bootstrap-token:join";

/**
 * The token the join command shows: the one this phase created or found valid, undefined when there
 * is none (a re-run whose first token is gone); the first configured token when the phase did not run.
 */
export async function joinToken(ctx: InitContext): Promise<string | undefined> {
  const found = ctx.cache.get(JOIN_TOKEN) as Promise<string | undefined> | undefined;
  return found ? await found : ctx.cfg.bootstrapTokens[0]?.token;
}

async function caPem(ctx: InitContext): Promise<string> {
  const path = onDisk(ctx, `${ctx.cfg.cluster.certificatesDir}/ca.crt`);
  const pem = await readTextIfExists(path);
  if (pem === undefined) throw new UserError(`${path} does not exist; run 'kadm init phase certs ca' first`);
  return pem;
}

const secretRef = (id: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
});

async function getSecret(client: KubeClient, id: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(secretRef(id));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

const unbase64 = (v: unknown) => (typeof v === "string" ? new TextDecoder().decode(fromB64(v)) : undefined);
const fromB64 = (v: string) => Uint8Array.from(atob(v), (c) => c.charCodeAt(0));

/** The Secret's expiry when it has one in the past; undefined while it is valid. */
function expiredAt(s: KubeObject, now: Date): string | undefined {
  const exp = unbase64((s.data as Record<string, unknown> | undefined)?.expiration);
  return exp !== undefined && Date.parse(exp) <= now.getTime() ? exp : undefined;
}

/** A valid token kadm's earlier init created, read back from its Secret (newest first). */
async function earlierToken(client: KubeClient, state: KadmState, now: Date): Promise<string | undefined> {
  for (const id of [...state.bootstrapTokens].reverse()) {
    const s = await getSecret(client, id);
    const secret = unbase64((s?.data as Record<string, unknown> | undefined)?.["token-secret"]);
    if (s && secret && !expiredAt(s, now)) return `${id}.${secret}`;
  }
  return undefined;
}

export const bootstrapTokenPhase: Phase = {
  name: "bootstrap-token",
  short: "Generates bootstrap tokens used to join a node to a cluster",
  async run(ctx) {
    const o = bootstrapTokenObjects(ctx.cfg, ctx.minor, ctx.now);
    const client = await apiClient(ctx);
    const [, ...rbacSteps] = o.steps;
    const pki = onDisk(ctx, ctx.cfg.cluster.certificatesDir);
    const state = await readState(pki);
    const reuse = (t: { generated: boolean }) => t.generated && state.bootstrapTokens.length > 0;
    const first = ctx.cfg.bootstrapTokens[0];
    // kubeadm's lines come first (its dry-run prints them before the Secret calls); a re-run with a
    // generated token names the token the first init created, read back from the server.
    let join = first && reuse(first) ? await earlierToken(client, state, ctx.now) : first?.token;
    for (const l of o.lines) {
      if (!l.startsWith("[bootstrap-token] Using token:")) ctx.log.info(l);
      else if (join !== undefined && !ctx.options.skipTokenPrint) {
        ctx.log.info(`[bootstrap-token] Using token: ${join}`);
      }
    }
    if (first && reuse(first) && join === undefined) {
      ctx.log.warn(
        `[bootstrap-token] WARNING: the bootstrap token this host's first init created (${
          state.bootstrapTokens.join(", ")
        }) expired or was deleted, and kadm creates a generated token only on the first init: run 'kadm token create --print-join-command' for a new join command`,
      );
    }
    for (const [i, t] of ctx.cfg.bootstrapTokens.entries()) {
      if (reuse(t)) continue;
      const { id } = splitToken(t.token);
      const found = await getSecret(client, id);
      const expired = found && expiredAt(found, ctx.now);
      const gone = !found && state.bootstrapTokens.includes(id);
      if (expired) {
        ctx.log.warn(
          `[bootstrap-token] WARNING: the bootstrap token ${id} expired on ${expired}: kadm does not revive it; create another with 'kadm token create'`,
        );
      } else if (gone) {
        ctx.log.warn(
          `[bootstrap-token] WARNING: the bootstrap token ${id} that an earlier init created is gone (deleted or expired): kadm does not revive it; create another with 'kadm token create'`,
        );
      } else if (!found) {
        await client.create(o.secrets[i]!);
        // Recorded once it exists: a failed create is retried by the next run, never taken for a deletion.
        if (!ctx.dryRun) await updateState(pki, (s) => withToken(s, id));
      } // a valid token already there is left as it is (no update)
      if (i === 0 && (expired || gone)) join = undefined;
    }
    ctx.cache.set(JOIN_TOKEN, Promise.resolve(join));
    await sendSteps(ctx, client, rbacSteps);
    const info = clusterInfoObjects(await caPem(ctx), controlPlaneURL(ctx.cfg));
    await sendSteps(ctx, client, info.steps);
  },
};
