/**
 * `kadm reset phase <name>` run ON a node of an etcd test network (etcd_cluster.ts), the way kadm runs
 * on a control-plane host: a child Deno process inside the node's namespace (`ip netns exec`) starts the
 * test API server there (the kubeadm-config ConfigMap and etcd mirror Pods the caller gives, cluster CA
 * from the node's pki), writes an admin kubeconfig under --rootfs, then calls cli/reset.ts's
 * runResetPhaseCmd with the real etcd client (nothing of the etcd path is faked) and prints what kadm
 * logged as one JSON line. The test process itself cannot reach the node's addresses: only the child can.
 */
import { join } from "node:path";
import { runCommand } from "./etcd.ts";

export interface ResetOnNodeSpec {
  /** A reset phase, e.g. "remove-etcd-member". */
  readonly phase: string;
  /** The node's host-shaped tree (kadm init --dry-run-dir), used as --rootfs. */
  readonly rootfs: string;
  readonly nodeName: string;
  /** What the node's API server holds besides its defaults (ConfigMap kubeadm-config, etcd Pods). */
  readonly objects: readonly Record<string, unknown>[];
}

export interface ResetOnNodeResult {
  readonly lines: readonly string[];
  readonly warnings: readonly string[];
  /** The error runResetPhaseCmd threw, if any. */
  readonly error?: string;
}

const ADMIN_CONF = "/etc/kubernetes/reset-test-admin.conf";
const MARK = "KADM-RESET-RESULT ";

/** Runs the phase in a child process inside the node's network (`prefix` = `ip netns exec NS`). */
export async function resetPhaseOnNode(
  node: { readonly prefix: readonly string[] },
  spec: ResetOnNodeSpec,
  timeoutMs = 180_000,
): Promise<ResetOnNodeResult> {
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const self = new URL(import.meta.url).pathname;
  const r = await runCommand(
    [
      ...node.prefix,
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      `--config=${config}`,
      self,
      JSON.stringify(spec),
    ],
    { timeoutMs },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith(MARK));
  if (r.code !== 0 || !line) {
    throw new Error(
      `kadm reset phase ${spec.phase} on ${spec.nodeName} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`,
    );
  }
  return JSON.parse(line.slice(MARK.length)) as ResetOnNodeResult;
}

/** The kubeadm-config ConfigMap as init uploads it (only what reset reads). */
export function kubeadmConfigMap(version: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kubeadm-config", namespace: "kube-system" },
    data: {
      ClusterConfiguration: `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n` +
        `kubernetesVersion: ${version}\ncertificatesDir: /etc/kubernetes/pki\n` +
        `etcd:\n  local:\n    dataDir: /var/lib/etcd\n`,
    },
  };
}

/** The mirror Pod the kubelet posts for a node's etcd static Pod (labels and annotations kept). */
export function mirrorPod(pod: Record<string, unknown>, nodeName: string): Record<string, unknown> {
  const meta = (pod.metadata ?? {}) as Record<string, unknown>;
  return {
    ...pod,
    metadata: { ...meta, name: `etcd-${nodeName}`, namespace: "kube-system" },
    spec: { ...(pod.spec as Record<string, unknown>), nodeName },
  };
}

async function child(spec: ResetOnNodeSpec): Promise<ResetOnNodeResult> {
  const [
    { startTestApiServer },
    { kubeconfig },
    { runResetPhaseCmd },
    { memoryLogger },
    { fakePreflightHost },
  ] = await Promise
    .all([
      import("./apiserver.ts"),
      import("./apiserver_client.ts"),
      import("../../cli/reset.ts"),
      import("../../lib/log.ts"),
      import("../../lib/preflight/fake.ts"),
    ]);
  const pki = join(spec.rootfs, "etc/kubernetes/pki");
  await using api = await startTestApiServer({
    caCertPem: await Deno.readTextFile(join(pki, "ca.crt")),
    caKeyPem: await Deno.readTextFile(join(pki, "ca.key")),
    objects: spec.objects as never,
  });
  await api.listening;
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  await Deno.writeTextFile(join(spec.rootfs, ADMIN_CONF), kubeconfig(api, admin));
  const log = memoryLogger();
  const noCommands = {
    run: () => Promise.resolve({ code: 0, stdout: "", stderr: "" }),
    has: () => Promise.resolve(false),
  };
  try {
    await runResetPhaseCmd(spec.phase, { rootfs: spec.rootfs, kubeconfig: ADMIN_CONF }, {
      log,
      runner: noCommands,
      host: fakePreflightHost({ uid: 0 }),
      nodeName: spec.nodeName,
    });
    return { lines: log.lines, warnings: log.warnings };
  } catch (e) {
    return { lines: log.lines, warnings: log.warnings, error: e instanceof Error ? e.message : String(e) };
  }
}

if (import.meta.main) {
  const result = await child(JSON.parse(Deno.args[0] ?? "{}") as ResetOnNodeSpec);
  console.log(MARK + JSON.stringify(result));
  Deno.exit(0); // the API server's keep-alive sockets must not hold the child open
}
