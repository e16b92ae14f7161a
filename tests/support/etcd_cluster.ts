/**
 * Test harness for etcd clusters of several members: N network namespaces, one per control-plane
 * "node", joined by a bridge that lives in a hub namespace. Node i has the address 198.18.0.(i+1)/24
 * (RFC 2544's benchmarking range) on its eth0 and its own loopback, so every member runs kadm's manifest
 * unchanged (127.0.0.1:2379 and :2381 are per node). Those addresses exist only inside the namespaces
 * the test made: the host's network is never touched, and deleting the namespaces deletes the links.
 *
 *   await using net = await createEtcdNetwork(2);
 *   await using a = await startEtcdMember(manifestA, rootA, net, 0, { flagPolicy: "translate" });
 *   const members = await memberList(a, { pkiDir, endpoints: [a.endpoint] });
 */
import { join } from "node:path";
import {
  CLEAN_PATH,
  type CommandResult,
  NETNS_PREFIX,
  runCommand,
  type RunningEtcd,
  startEtcdFromManifest,
  type StartEtcdOptions,
  sweepStaleNamespaces,
  which,
} from "./etcd.ts";

/** One node of the network: its namespace, its address and a way to run commands in it. */
export interface EtcdNode {
  readonly netns: string;
  readonly address: string;
  /** The command prefix that runs something in this node's network (`ip netns exec NS`). */
  readonly prefix: readonly string[];
  /** Runs a command in this node's network with a clean environment (PATH + `env`). */
  exec(cmd: readonly string[], env?: Record<string, string>): Promise<CommandResult>;
}

export interface EtcdNetwork extends AsyncDisposable {
  readonly nodes: readonly EtcdNode[];
  /** Every node address (URL flags of the members may name them). */
  readonly addresses: readonly string[];
  /** Kills what still runs in the namespaces (only processes this test started there) and deletes them. */
  close(): Promise<void>;
}

/** The host cannot make namespaces (not root, no iproute2, no CAP_SYS_ADMIN): tests skip on this. */
export class NetworkUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkUnavailable";
  }
}

/** Why a multi-member etcd cannot run here (undefined when it can): OS, root, ip, etcd, etcdctl. */
export async function etcdClusterUnavailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "network namespaces are Linux only";
  if (Deno.uid() !== 0) return "network namespaces (ip netns) need root";
  for (const [tool, pkg] of [["ip", "iproute2"], ["etcd", "etcd-server"], ["etcdctl", "etcd-client"]]) {
    if (!(await which(tool!))) return `no ${tool} on PATH (apt-get install ${pkg})`;
  }
  return undefined;
}

async function killInside(ip: string, ns: string): Promise<void> {
  for (const pid of (await runCommand([ip, "netns", "pids", ns])).stdout.split(/\s+/).filter(Boolean)) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch { /* gone */ }
  }
}

/** Creates `count` linked node namespaces (plus the hub). Throws NetworkUnavailable when the host
 * refuses the first namespace; any later failure removes what was made and rethrows. */
export async function createEtcdNetwork(count: number): Promise<EtcdNetwork> {
  const ip = await which("ip");
  if (!ip || Deno.uid() !== 0) throw new NetworkUnavailable("network namespaces need root and iproute2");
  await sweepStaleNamespaces(ip);
  const tag = `${NETNS_PREFIX}${Deno.pid}-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
  const made: string[] = [];
  const close = async () => {
    for (const ns of [...made].reverse()) {
      await killInside(ip, ns);
      await runCommand([ip, "netns", "del", ns]);
    }
    made.length = 0;
  };
  const ipDo = async (...args: string[]) => {
    const r = await runCommand([ip, ...args]);
    if (r.code !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.trim()}`);
  };
  const hub = `${tag}-hub`;
  const first = await runCommand([ip, "netns", "add", hub]);
  if (first.code !== 0) throw new NetworkUnavailable(`ip netns add failed: ${first.stderr.trim()}`);
  made.push(hub);
  const nodes: EtcdNode[] = [];
  try {
    await ipDo("-n", hub, "link", "add", "br0", "type", "bridge");
    await ipDo("-n", hub, "link", "set", "br0", "up");
    for (let i = 0; i < count; i++) {
      const ns = `${tag}-${i}`;
      const address = `198.18.0.${i + 1}`;
      await ipDo("netns", "add", ns);
      made.push(ns);
      await ipDo("-n", ns, "link", "set", "lo", "up");
      // Both ends are born inside the test's namespaces: nothing appears in the host's network.
      await ipDo("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", `p${i}`, "netns", hub);
      await ipDo("-n", hub, "link", "set", `p${i}`, "master", "br0");
      await ipDo("-n", hub, "link", "set", `p${i}`, "up");
      await ipDo("-n", ns, "addr", "add", `${address}/24`, "dev", "eth0");
      await ipDo("-n", ns, "link", "set", "eth0", "up");
      const prefix = [ip, "netns", "exec", ns];
      nodes.push({
        netns: ns,
        address,
        prefix,
        exec: (cmd, env = {}) => runCommand([...prefix, ...cmd], { env: { PATH: CLEAN_PATH, ...env } }),
      });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { nodes, addresses: nodes.map((n) => n.address), close, [Symbol.asyncDispose]: close };
}

/** Starts etcd from `manifest` (kadm's, under `root`) on node `index` of `net`. */
export function startEtcdMember(
  manifest: string,
  root: string,
  net: EtcdNetwork,
  index: number,
  opts: Omit<StartEtcdOptions, "netns" | "isolation"> = {},
): Promise<RunningEtcd> {
  const node = net.nodes[index];
  if (!node) throw new Error(`The network has no node ${index}`);
  return startEtcdFromManifest(manifest, root, {
    ...opts,
    netns: { name: node.netns, hosts: net.addresses },
  });
}

/** etcdctl's TLS: the etcd CA and a client certificate (default: healthcheck-client) under pkiDir. */
export interface EtcdctlAuth {
  readonly pkiDir: string;
  readonly endpoints: readonly string[];
  readonly cert?: string;
  readonly key?: string;
}

/** Runs the real etcdctl (API v3, TLS) where `at` runs commands; throws with its output on failure. */
export async function etcdctl(
  at: Pick<EtcdNode, "exec">,
  auth: EtcdctlAuth,
  ...args: string[]
): Promise<string> {
  const cmd = [
    "etcdctl",
    `--endpoints=${auth.endpoints.join(",")}`,
    `--cacert=${join(auth.pkiDir, "ca.crt")}`,
    `--cert=${auth.cert ?? join(auth.pkiDir, "healthcheck-client.crt")}`,
    `--key=${auth.key ?? join(auth.pkiDir, "healthcheck-client.key")}`,
    "--command-timeout=5s",
    ...args,
  ];
  const r = await at.exec(cmd, { ETCDCTL_API: "3" });
  if (r.code !== 0) {
    throw new Error(`etcdctl ${args.join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return (r.stdout + r.stderr).trim();
}

export interface ListedMember {
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

/** `etcdctl member list -w json`, names and URLs (IDs are uint64s that JSON numbers cannot hold). */
export async function memberList(at: Pick<EtcdNode, "exec">, auth: EtcdctlAuth): Promise<ListedMember[]> {
  const out = JSON.parse(await etcdctl(at, auth, "member", "list", "-w", "json")) as {
    members?: { name?: string; peerURLs?: string[]; clientURLs?: string[] }[];
  };
  return (out.members ?? []).map((m) => ({
    name: m.name ?? "",
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
  }));
}
