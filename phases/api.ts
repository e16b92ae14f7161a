/**
 * The API client the phases after wait-control-plane use, once per run: from admin.conf (verified
 * against the cluster CA, client certificate from the file), or in dry-run the printer that sends
 * nothing. From v1.29 admin.conf's group kubeadm:cluster-admins can do nothing until its
 * ClusterRoleBinding exists: it is created first with admin.conf and, on 403, with super-admin.conf,
 * as kubeadm's EnsureAdminClusterRoleBinding does.
 */
import {
  clientFromKubeconfig,
  isAlreadyExists,
  isForbidden,
  type KubeClient,
  newDryRunClient,
} from "../lib/kubeapi.ts";
import { readTextIfExists } from "../lib/host.ts";
import { UserError } from "../lib/errors.ts";
import { clusterAdminsBinding, type Step } from "../lib/objects/mod.ts";
import { type InitContext, memo, onDisk } from "./types.ts";

function kubeconfigClient(ctx: InitContext, file: string): Promise<KubeClient> {
  return memo(ctx, `api:${file}`, async () => {
    const path = onDisk(ctx, `${ctx.paths.kubeconfigDir}/${file}`);
    const text = await readTextIfExists(path);
    if (text === undefined) {
      throw new UserError(
        `Cannot talk to the API server: ${path} does not exist; run 'kadm init phase kubeconfig' first`,
      );
    }
    return clientFromKubeconfig(text, path, { timeoutMs: ctx.cfg.cluster.timeouts.kubernetesAPICall * 1000 });
  });
}

/**
 * The client wait-control-plane polls health with: admin.conf as it is, without ensuring the
 * cluster-admins binding (kubeadm's WaitControlPlaneClient), since creating that binding needs a
 * running API server and must not cut the health wait short to one API-call timeout.
 */
export function healthClient(ctx: InitContext): Promise<KubeClient> {
  return kubeconfigClient(ctx, "admin.conf");
}

/** The client for the API phases (admin.conf; v1.29+: with the cluster-admins binding ensured). */
export function apiClient(ctx: InitContext): Promise<KubeClient> {
  return memo(ctx, "api:client", async () => {
    if (ctx.dryRun) {
      return newDryRunClient({
        log: ctx.log,
        serviceSubnet: ctx.cfg.cluster.networking.serviceSubnet,
        format: { style: ctx.minor.dryRunStyle },
      });
    }
    const admin = await kubeconfigClient(ctx, "admin.conf");
    if (ctx.minor.superAdmin) await ensureClusterAdmins(ctx, admin);
    return admin;
  });
}

async function ensureClusterAdmins(ctx: InitContext, admin: KubeClient): Promise<void> {
  const binding = clusterAdminsBinding();
  try {
    await admin.create(binding);
    return;
  } catch (e) {
    if (isAlreadyExists(e)) return;
    if (!isForbidden(e)) throw e;
  }
  const superAdmin = await kubeconfigClient(ctx, "super-admin.conf");
  try {
    await superAdmin.create(binding);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/**
 * Prints each step's line and sends its objects: the objects of one step concurrently (they do not
 * depend on each other), the steps in order. In dry-run the printer keeps kubeadm's order.
 */
export async function sendSteps(ctx: InitContext, client: KubeClient, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    if (step.line !== undefined) { for (const l of step.line.split("\n")) ctx.log.info(l); }
    await client.all(step.objects.map((o) => (c: KubeClient) => c.createOrUpdate(o)));
  }
}
