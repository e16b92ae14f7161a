/**
 * `kadm reset phase remove-etcd-member` against a REAL two-member etcd cluster: two control-plane
 * "nodes" (network namespaces linked by a bridge, 198.18.0.1 and 198.18.0.2; see
 * support/etcd_cluster.ts) with kadm-generated trees that share one etcd CA (node 2 gets the CAs copied,
 * as `kubeadm join --control-plane` needs, and renders its own server/peer certificates for its own
 * address). Node 1 starts Debian's etcd from kadm's init manifest; etcdctl announces node 2 (`member add`,
 * as join does) and node 2 starts from kadm's manifest with the joining flags (`--initial-cluster` of
 * both, `--initial-cluster-state=existing`, set through etcd.local.extraArgs). Then kadm's reset phase
 * runs ON node 1 (a child process inside its namespace, with the test API server serving the
 * kubeadm-config ConfigMap and the etcd mirror Pods) and the real etcdctl judges the result.
 *
 * Skipped, with the reason, where etcd, etcdctl, iproute2 or root (for `ip netns`) is missing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { loadInitConfig } from "../lib/config/mod.ts";
import { memoryLogger } from "../lib/log.ts";
import { createInitContext } from "../phases/context.ts";
import { initPhases } from "../phases/mod.ts";
import { runSelected } from "../phases/runner.ts";
import { recordingRunner } from "./support/context.ts";
import { etcdctlHealthy, type RunningEtcd, tempRoot } from "./support/etcd.ts";
import {
  createEtcdNetwork,
  etcdClusterUnavailable,
  etcdctl,
  type EtcdctlAuth,
  type EtcdNetwork,
  memberList,
  NetworkUnavailable,
  startEtcdMember,
} from "./support/etcd_cluster.ts";
import { kubeadmConfigMap, mirrorPod, resetPhaseOnNode } from "./support/etcd_reset_node.ts";

const unavailable = await etcdClusterUnavailable();
if (unavailable) console.warn(`reset_etcd_cluster_test skipped: ${unavailable}`);

const NODES = [
  { name: "master-1", address: "198.18.0.1" },
  { name: "master-2", address: "198.18.0.2" },
] as const;
const peer = (address: string) => `https://${address}:2380`;
const INITIAL_CLUSTER = NODES.map((n) => `${n.name}=${peer(n.address)}`).join(",");

/** kadm's certs and etcd phases for one node; `joining` renders the manifest of a member that joins. */
async function kadmNode(root: string, version: string, node: typeof NODES[number], joining: boolean) {
  const beta4 = Number(version.split(".")[1]) >= 31;
  const extraArgs = !joining
    ? ""
    : beta4
    ? `    extraArgs:\n    - name: initial-cluster\n      value: ${INITIAL_CLUSTER}\n` +
      `    - name: initial-cluster-state\n      value: existing\n`
    : `    extraArgs:\n      initial-cluster: ${INITIAL_CLUSTER}\n      initial-cluster-state: existing\n`;
  const api = `kubeadm.k8s.io/${beta4 ? "v1beta4" : "v1beta2"}`;
  const configText = `apiVersion: ${api}
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${node.address}
nodeRegistration:
  name: ${node.name}
  criSocket: unix:///var/run/containerd/containerd.sock
---
apiVersion: ${api}
kind: ClusterConfiguration
kubernetesVersion: ${version}
etcd:
  local:
    dataDir: /var/lib/etcd
${extraArgs}`;
  const { cfg } = loadInitConfig({
    host: {
      hostname: () => node.name,
      advertiseAddress: () => node.address,
      randomToken: () => "abcdef.0123456789abcdef",
    },
    configText,
    configPath: `${node.name}.yaml`,
  });
  const ctx = await createInitContext(cfg, {
    dryRun: true,
    dryRunDir: root,
    log: memoryLogger(),
    runner: recordingRunner(),
  });
  const tree = initPhases(ctx.minor);
  await runSelected(tree, ["certs"], ctx);
  await runSelected(tree, ["etcd"], ctx);
}

/** The shared CAs a joining control plane needs (kubeadm join --control-plane: upload-certs or a copy). */
async function copyCAs(from: string, to: string): Promise<void> {
  const pki = "etc/kubernetes/pki";
  await Deno.mkdir(join(to, pki, "etcd"), { recursive: true });
  for (const f of ["ca", "front-proxy-ca", "etcd/ca"].flatMap((b) => [`${b}.crt`, `${b}.key`])) {
    await Deno.copyFile(join(from, pki, f), join(to, pki, f));
  }
  for (const f of ["sa.key", "sa.pub"]) await Deno.copyFile(join(from, pki, f), join(to, pki, f));
}

const manifestOf = (root: string) => join(root, "etc/kubernetes/manifests/etcd.yaml");
const pkiOf = (root: string) => join(root, "etc/kubernetes/pki/etcd");

async function apiObjects(version: string, roots: readonly string[]) {
  const pods = await Promise.all(
    roots.map(async (r, i) =>
      mirrorPod(parse(await Deno.readTextFile(manifestOf(r))) as Record<string, unknown>, NODES[i]!.name)
    ),
  );
  return [kubeadmConfigMap(version), ...pods];
}

/** Polls etcdctl's member list until `want` (sorted names) shows: a joining member names itself late. */
async function membersNamed(at: Parameters<typeof memberList>[0], a: EtcdctlAuth, want: string[]) {
  let got: string[] = [];
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    got = (await memberList(at, a)).map((m) => m.name).sort();
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(got, want);
}

/** Waits until `etcd` (removed from its cluster) has stopped serving by itself; false after `ms`. */
async function stopsServing(etcd: RunningEtcd, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if ((await etcd.exec(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2379"])).code !== 0) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** What kadm prints for the phase: kubeadm's lines, and nothing about the member (klog -v1 there). */
function expectedLines(version: string): string[] {
  return version === "v1.20.2"
    ? [
      "[reset] Reading configuration from the cluster...",
      "[reset] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'",
    ]
    : [
      '[reset] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...',
      "[reset] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.",
      // v1.27+: the phase empties the data folder itself once the member is removed (or gone).
      "[reset] Deleted contents of the etcd data directory: /var/lib/etcd",
    ];
}

for (const version of ["v1.34.7", "v1.20.2"]) {
  Deno.test({
    name: `reset ${version} removes this node's member from a real two-member etcd cluster, once`,
    ignore: unavailable !== undefined,
    fn: async () => {
      await using rootA = await tempRoot("kadm-reset-cluster-a-");
      await using rootB = await tempRoot("kadm-reset-cluster-b-");
      await kadmNode(rootA.path, version, NODES[0], false);
      await copyCAs(rootA.path, rootB.path);
      await kadmNode(rootB.path, version, NODES[1], true);

      let net: EtcdNetwork;
      try {
        net = await createEtcdNetwork(2);
      } catch (e) {
        if (!(e instanceof NetworkUnavailable)) throw e;
        console.warn(`skipped: ${e.message}`);
        return;
      }
      await using _net = net;
      const [nodeA, nodeB] = [net.nodes[0]!, net.nodes[1]!];
      await using a = await startEtcdMember(manifestOf(rootA.path), rootA.path, net, 0, {
        flagPolicy: "translate",
      });
      // kubeadm join's announcement of the new member (etcdctl on node 1), then the member itself.
      const onA = { pkiDir: pkiOf(rootA.path), endpoints: [a.endpoint] };
      await etcdctl(a, onA, "member", "add", NODES[1].name, `--peer-urls=${peer(NODES[1].address)}`);
      await using b = await startEtcdMember(manifestOf(rootB.path), rootB.path, net, 1, {
        flagPolicy: "translate",
      });
      // An operator on node 1 asks node 2's etcd across the link: node 1's client certificate, the one CA.
      const fromAtoB = { pkiDir: pkiOf(rootA.path), endpoints: [`https://${NODES[1].address}:2379`] };
      await membersNamed(nodeA, fromAtoB, ["master-1", "master-2"]);

      const objects = await apiObjects(version, [rootA.path, rootB.path]);
      const onNodeA = { phase: "remove-etcd-member", rootfs: rootA.path, nodeName: NODES[0].name, objects };
      const first = await resetPhaseOnNode(nodeA, onNodeA);
      assert.deepEqual(first, { lines: expectedLines(version), warnings: [] });

      // The real etcdctl: only master-2 is left, it is healthy and takes writes; master-1 stopped itself.
      const left = await memberList(nodeA, fromAtoB);
      assert.deepEqual(left.map((m) => [m.name, m.peerURLs]), [["master-2", [peer(NODES[1].address)]]]);
      const health = await etcdctlHealthy(b, { pkiDir: pkiOf(rootB.path) });
      assert.match(health.health, /https:\/\/127\.0\.0\.1:2379 is healthy/);
      assert.ok(await stopsServing(a, 15_000), "the removed member should stop serving");

      // Again, with the member (and node 1's etcd) gone: kubeadm's clean no-op, found through the
      // other member's endpoint on its mirror Pod, without waiting out the etcd call budget.
      const t0 = Date.now();
      const again = await resetPhaseOnNode(nodeA, onNodeA);
      assert.deepEqual(again, { lines: expectedLines(version), warnings: [] });
      assert.ok(Date.now() - t0 < 60_000, `the second run took ${Date.now() - t0} ms`);
      await membersNamed(nodeA, fromAtoB, ["master-2"]);

      // master-2 is now the only member: its own reset leaves it in the cluster.
      const onNodeB = { ...onNodeA, rootfs: rootB.path, nodeName: NODES[1].name };
      assert.deepEqual(await resetPhaseOnNode(nodeB, onNodeB), {
        lines: expectedLines(version),
        warnings: [],
      });
      await membersNamed(nodeB, { pkiDir: pkiOf(rootB.path), endpoints: [b.endpoint] }, ["master-2"]);
      await etcdctl(b, { pkiDir: pkiOf(rootB.path), endpoints: [b.endpoint] }, "endpoint", "health");
    },
  });
}
