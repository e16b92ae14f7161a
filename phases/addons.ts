/**
 * Phase `addon`: CoreDNS (Deployment, Service kube-dns at the 10th service address, ConfigMap,
 * ServiceAccount, RBAC) or, with `dns.type: kube-dns` (v1.20 only), kube-dns (ServiceAccount,
 * Deployment, Service), and kube-proxy (DaemonSet, ConfigMap with the user's KubeProxyConfiguration,
 * ServiceAccount, RBAC), as kubeadm of the minor creates them. An existing `coredns` ConfigMap (a
 * user's Corefile) is kept; the Service keeps the clusterIP it has. `dns.disabled`/`proxy.disabled`
 * (or --skip-phases addon/...) skip them. Inputs: networking, dns, images, kubeProxyConfiguration.
 */
import { corednsObjects, kubeDnsObjects, kubeProxyObjects } from "../lib/objects/mod.ts";
import { isNotFound, type KubeClient, type KubeObject } from "../lib/kubeapi.ts";
import { controlPlaneURL } from "../lib/kubeconfig.ts";
import { proxyEnvFrom } from "../lib/manifests/pod.ts";
import { apiClient } from "./api.ts";
import type { InitContext, Phase } from "./types.ts";

const KUBE_SYSTEM = "kube-system";

async function getIfExists(
  client: KubeClient,
  ref: Parameters<KubeClient["get"]>[0],
): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Creates or updates one object; a ConfigMap the user may have edited is kept; Services keep their IP. */
function send(client: KubeClient, o: KubeObject): Promise<KubeObject> {
  if (o.kind === "ConfigMap" && o.metadata.name === "coredns") return client.createOrRetain(o);
  if (o.kind === "Service") {
    return client.createOrMutate(o, (old) => ({
      ...o,
      metadata: { ...o.metadata, resourceVersion: old.metadata.resourceVersion },
      spec: { ...(o.spec as object), clusterIP: (old.spec as { clusterIP?: string } | undefined)?.clusterIP },
    }));
  }
  return client.createOrUpdate(o);
}

async function sendAll(
  ctx: InitContext,
  client: KubeClient,
  steps: readonly { line?: string; objects: readonly KubeObject[] }[],
) {
  for (const step of steps) {
    if (step.line !== undefined) { for (const l of step.line.split("\n")) ctx.log.info(l); }
    await client.all(step.objects.map((o) => (c: KubeClient) => send(c, o)));
  }
}

/** The replicas of the one existing DNS Deployment, as kubeadm's deployedDNSReplicas keeps them. */
function replicasOf(list: { items: readonly KubeObject[] }): number | undefined {
  const r = list.items.length === 1
    ? (list.items[0]?.spec as { replicas?: unknown } | undefined)?.replicas
    : undefined;
  return typeof r === "number" ? r : undefined;
}

const coredns: Phase = {
  name: "coredns",
  short: "Install the CoreDNS addon to a Kubernetes cluster",
  runIf: (ctx) => !ctx.cfg.cluster.dns.disabled,
  async run(ctx) {
    const client = await apiClient(ctx);
    if (ctx.cfg.cluster.dns.type === "kube-dns") {
      // kubeadm v1.20's kubeDNSAddon: keeps the replicas of an existing DNS Deployment, no ConfigMap lookups.
      const found = await client.list({ apiVersion: "apps/v1", kind: "Deployment", namespace: KUBE_SYSTEM }, {
        labelSelector: "k8s-app=kube-dns",
      });
      await sendAll(ctx, client, kubeDnsObjects(ctx.cfg, ctx.minor, replicasOf(found)).steps);
      return;
    }
    // kubeadm looks for a kube-dns Deployment and its ConfigMap (to migrate) and an existing CoreDNS config.
    await client.list({ apiVersion: "apps/v1", kind: "Deployment", namespace: KUBE_SYSTEM }, {
      labelSelector: "k8s-app=kube-dns",
    });
    await getIfExists(client, {
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: KUBE_SYSTEM,
      name: "kube-dns",
    });
    await getIfExists(client, {
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: KUBE_SYSTEM,
      name: "coredns",
    });
    await sendAll(ctx, client, corednsObjects(ctx.cfg, ctx.minor).steps);
  },
};

const kubeProxy: Phase = {
  name: "kube-proxy",
  short: "Install the kube-proxy addon to a Kubernetes cluster",
  runIf: (ctx) => !ctx.cfg.cluster.proxy.disabled,
  async run(ctx) {
    const client = await apiClient(ctx);
    const o = kubeProxyObjects(
      ctx.cfg,
      ctx.minor,
      controlPlaneURL(ctx.cfg),
      proxyEnvFrom(Deno.env.toObject()),
    );
    await sendAll(ctx, client, o.steps);
  },
};

export const addonPhase: Phase = {
  name: "addon",
  short: "Install required addons for passing conformance tests",
  phases: [coredns, kubeProxy],
};
