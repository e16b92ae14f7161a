/**
 * Reset phases that talk to the cluster: `update-cluster-status` (v1.20 - v1.22) and
 * `remove-etcd-member`. Inputs: the stored ClusterConfiguration (only then does kubeadm touch the
 * cluster), the local etcd manifest (data folder, peer and client URLs), the etcd mirror Pods'
 * `kubeadm.kubernetes.io/etcd.advertise-client-urls` annotations (the other members' endpoints), the etcd
 * CA and the healthcheck-client certificate under the certificates folder. Outputs: this node's member
 * removed from etcd when others remain (silently, as kubeadm: its messages are klog -v1); nothing when it
 * is the only member or already gone; the etcd data folder emptied (v1.27+) or queued for the stateful step.
 */
import YAML from "yaml";
import { readTextIfExists } from "../lib/host.ts";
import { EtcdMemberNotFound, removeLocalMember } from "../lib/reset/etcd.ts";
import { etcdDataDirFromManifest, etcdFlag } from "../lib/reset/plan.ts";
import { DEFAULT_ETCD_DATA_DIR, MANIFESTS_DIR } from "../lib/reset/profile.ts";
import { at, cleanDir, type ResetContext } from "./reset.ts";

const ETCD_MANIFEST = `${MANIFESTS_DIR}/etcd.yaml`;
const APISERVER_MANIFEST = `${MANIFESTS_DIR}/kube-apiserver.yaml`;

export async function runUpdateClusterStatus(ctx: ResetContext): Promise<void> {
  const controlPlane = (await readTextIfExists(at(ctx, APISERVER_MANIFEST))) !== undefined;
  if (!controlPlane || !ctx.cluster) return;
  if (ctx.profile.clusterStatus === "noop") {
    ctx.log.info(
      "The 'update-cluster-status' phase is deprecated and will be removed in a future release. " +
        "Currently it performs no operation",
    );
    return;
  }
  if (ctx.profile.clusterStatus !== "remove" || !ctx.client) return;
  if (ctx.dryRun) {
    ctx.log.info(
      `[reset] Would remove "${ctx.nodeName}" from the ClusterStatus in the kubeadm-config ConfigMap`,
    );
    return;
  }
  // kubeadm's ResetClusterStatusForNode: drop this node's APIEndpoint and write the ConfigMap back.
  const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "kubeadm-config" };
  const cm = await ctx.client.get(ref);
  const data = { ...((cm as { data?: Record<string, string> }).data ?? {}) };
  const status = YAML.parse(data.ClusterStatus ?? "") as { apiEndpoints?: Record<string, unknown> } | null;
  if (!status?.apiEndpoints || !(ctx.nodeName in status.apiEndpoints)) return;
  delete status.apiEndpoints[ctx.nodeName];
  data.ClusterStatus = YAML.stringify(status);
  await ctx.client.update({ ...cm, data });
}

/** kubeadm's getEtcdDataDir: the stored config, else the etcd Pod's `etcd-data` volume. */
function etcdDataDir(ctx: ResetContext, manifest: string | undefined): string | undefined {
  if (ctx.cluster?.etcdDataDir) return ctx.cluster.etcdDataDir;
  if (ctx.cluster?.externalEtcd) return undefined;
  ctx.log.warn("[reset] No kubeadm config, using etcd pod spec to get data directory");
  if (manifest === undefined) {
    // v1.27+: cleanup-node may have run first; fall back to the default data folder.
    return ctx.profile.layout === "inline" ? DEFAULT_ETCD_DATA_DIR : undefined;
  }
  return etcdDataDirFromManifest(manifest);
}

const ETCD_CLIENT_URLS = "kubeadm.kubernetes.io/etcd.advertise-client-urls";

/**
 * kubeadm's etcdutil.NewFromCluster endpoints: the client URLs annotated on the etcd mirror Pods, so that
 * a member that has stopped here (already removed, or down) does not hide the others. kadm puts this
 * node's own URL first and keeps it alone when the API server lists no etcd Pods.
 */
async function etcdEndpoints(ctx: ResetContext, local: string): Promise<string[]> {
  const urls = [local];
  try {
    const pods = await ctx.client?.list({ apiVersion: "v1", kind: "Pod", namespace: "kube-system" }, {
      labelSelector: "component=etcd,tier=control-plane",
    });
    for (const pod of pods?.items ?? []) {
      const url = pod.metadata?.annotations?.[ETCD_CLIENT_URLS];
      if (typeof url === "string" && url !== "" && !urls.includes(url)) urls.push(url);
    }
  } catch { /* the local member alone, as before */ }
  return urls;
}

async function removeMember(ctx: ResetContext, manifest: string | undefined): Promise<boolean> {
  const peer = manifest ? etcdFlag(manifest, "initial-advertise-peer-urls")[0] : undefined;
  const clientURL = manifest ? etcdFlag(manifest, "advertise-client-urls")[0] : undefined;
  try {
    if (!peer || !clientURL) throw new Error(`${ETCD_MANIFEST} names no peer or client URL of this member`);
    const pki = at(ctx, ctx.certsDir);
    const read = (f: string) => Deno.readTextFile(`${pki}/${f}`);
    const tls = {
      caPem: await read("etcd/ca.crt"),
      certPem: await read("etcd/healthcheck-client.crt"),
      keyPem: await read("etcd/healthcheck-client.key"),
    };
    const client = ctx.etcdClient(await etcdEndpoints(ctx, clientURL), tls);
    try {
      await removeLocalMember(client, clientURL, peer);
    } finally {
      client.close();
    }
    return true;
  } catch (e) {
    // kubeadm (k/k#117724): no member with this peer URL means it was removed already; go on silently.
    if (e instanceof EtcdMemberNotFound) return true;
    ctx.log.warn(
      `[reset] Failed to remove etcd member: ${
        (e as Error).message
      }, please manually remove this etcd member using etcdctl`,
    );
    return false;
  }
}

async function isDirEmpty(path: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(path)) return false;
    return true;
  } catch {
    return true;
  }
}

export async function runRemoveEtcdMember(ctx: ResetContext): Promise<void> {
  const manifest = await readTextIfExists(at(ctx, ETCD_MANIFEST));
  const dataDir = etcdDataDir(ctx, manifest);
  if (!dataDir) {
    ctx.log.info("[reset] No etcd config found. Assuming external etcd");
    ctx.log.info("[reset] Please, manually reset etcd to prevent further issues");
    return;
  }
  if (ctx.profile.layout === "stateful") {
    ctx.statefulDirs.push(dataDir);
    if (!ctx.cluster) return;
    if (ctx.dryRun) ctx.log.info("[reset] Would remove the etcd member on this node from the etcd cluster");
    else await removeMember(ctx, manifest);
    return;
  }
  const deleted = `[reset] Deleted contents of the etcd data directory: ${dataDir}`;
  if (ctx.cluster) {
    if (ctx.dryRun) {
      ctx.log.info("[reset] Would remove the etcd member on this node from the etcd cluster");
      ctx.log.info(`[reset] Would delete contents of the etcd data directory: ${dataDir}`);
    } else if (await removeMember(ctx, manifest)) {
      await cleanDir(ctx, dataDir, new Set());
      ctx.log.info(deleted);
    }
  }
  // kubeadm: also when the member could not be removed, stale data must not break the next init.
  if (ctx.dryRun && !ctx.cluster && !(await isDirEmpty(at(ctx, dataDir)))) {
    ctx.log.info(`[reset] Would delete contents of the etcd data directory: ${dataDir}`);
  }
  if (!ctx.dryRun && !(await isDirEmpty(at(ctx, dataDir)))) {
    await cleanDir(ctx, dataDir, new Set());
    ctx.log.info(deleted);
  }
}
