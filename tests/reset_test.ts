/**
 * `kadm reset` against a host-shaped tree made by `kadm init --dry-run --dry-run-dir ROOT`, with ROOT
 * as --rootfs: a recording command runner for systemctl / crictl / umount, files removed vs kept
 * (CNI, a user's CA), the dry-run listing, the confirmation prompt (subprocess with stdin), the etcd
 * member decision (fake client and a real etcd) and a fresh init on the same root afterwards.
 */
import { API_PHASES } from "../lib/versions.ts";
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "./_std.ts";
import { openssl, snapshot, tempDir } from "./_assert.ts";
import { memoryLogger } from "../lib/log.ts";
import type { CommandRunner } from "../lib/host.ts";
import { runInit } from "../cli/init.ts";
import { type ResetDeps, runReset, stateRecord } from "../cli/reset.ts";
import { NO_RECORD } from "../phases/reset.ts";
import { minorInfo } from "../lib/versions.ts";
import { resetProfile } from "../lib/reset/profile.ts";
import { mountsUnder, versionFromManifest } from "../lib/reset/plan.ts";
import {
  decideMemberRemoval,
  type EtcdMember,
  httpEtcdClient,
  removeLocalMember,
} from "../lib/reset/etcd.ts";
import { fakePreflightHost } from "../lib/preflight/fake.ts";
import { kadmSubprocess } from "./support/e2e.ts";
import { startEtcdFromManifest } from "./support/etcd.ts";
import { startTestApiServer } from "./support/apiserver.ts";
import { kubeconfig } from "./support/apiserver_client.ts";

const SOCK = "unix:///var/run/containerd/containerd.sock";

function runner(tools = ["systemctl", "crictl"]): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd, args) {
      calls.push([cmd, ...args].join(" "));
      const stdout = cmd === "crictl" && args.includes("pods") ? "pod-a\npod-b\n" : "";
      return Promise.resolve({ code: 0, stdout, stderr: "" });
    },
    has: (cmd) => Promise.resolve(tools.includes(cmd)),
  };
}

/** A tree as `kadm init --dry-run` leaves it, plus CNI config and kubelet mounts. */
async function initTree(root: string, version: string): Promise<void> {
  await runInit({
    dryRun: true,
    dryRunDir: root,
    kubernetesVersion: version,
    apiserverAdvertiseAddress: "127.0.0.1",
    nodeName: "master-1",
    criSocket: SOCK,
  }, memoryLogger());
  await Deno.mkdir(join(root, "etc/cni/net.d"), { recursive: true });
  await Deno.writeTextFile(join(root, "etc/cni/net.d/10-flannel.conflist"), "{}");
  await Deno.mkdir(join(root, "var/lib/etcd/member"), { recursive: true });
  await Deno.writeTextFile(join(root, "var/lib/etcd/member/db"), "data");
  await Deno.mkdir(join(root, "var/lib/kubelet/pods/p1/volumes/a b"), { recursive: true });
  await Deno.mkdir(join(root, "proc"), { recursive: true });
  await Deno.writeTextFile(
    join(root, "proc/mounts"),
    [
      "proc /proc proc rw 0 0",
      "tmpfs /var/lib/kubelet/pods/p1/volumes/a\\040b tmpfs rw 0 0",
      "tmpfs /var/lib/kubelet/pods tmpfs rw 0 0",
      "tmpfs /var/lib/kubeletx tmpfs rw 0 0",
    ].join("\n"),
  );
}

function deps(o: Partial<ResetDeps> = {}): ResetDeps & { log: ReturnType<typeof memoryLogger> } {
  return {
    log: memoryLogger(),
    runner: runner(),
    host: fakePreflightHost({ uid: 0 }),
    ask: () => Promise.resolve(undefined),
    generated: stateRecord,
    nodeName: "master-1",
    ...o,
  } as ResetDeps & { log: ReturnType<typeof memoryLogger> };
}

const NO_API = { kubeconfig: "/nonexistent/admin.conf" };
const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);

Deno.test("the reset profile follows kubeadm from v1.20 to v1.34", () => {
  const p20 = resetProfile(minorInfo(20));
  const p34 = resetProfile(minorInfo(34));
  assertEquals(p20.phases, ["preflight", "update-cluster-status", "remove-etcd-member", "cleanup-node"]);
  assertEquals(p34.phases, ["preflight", "remove-etcd-member", "cleanup-node"]);
  assert(p20.closing.includes("you must remove /etc/cni/net.d"));
  assert(p20.closing.includes("$HOME/.kube/config"));
  assert(p34.closing.includes("https://k8s.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/"));
  assert(!p20.kubeconfigFiles.some((f) => f.includes("super-admin")));
  assert(p34.kubeconfigFiles.includes("/etc/kubernetes/super-admin.conf"));
  assertEquals(p20.statefulExtraDirs, ["/var/lib/dockershim", "/var/run/kubernetes", "/var/lib/cni"]);
  assertEquals(p34.statefulExtraDirs, []);
});

Deno.test("mounts under the kubelet folder are listed deepest first, escapes decoded", () => {
  const table = "a /var/lib/kubelet/pods t r 0 0\nb /var/lib/kubelet/pods/x/v\\040w t r 0 0\n" +
    "c /var/lib/kubeletx t r 0 0\nd /var/lib/kubelet t r 0 0\n";
  assertEquals(mountsUnder(table, "/var/lib/kubelet"), [
    "/var/lib/kubelet/pods/x/v w",
    "/var/lib/kubelet/pods",
  ]);
  assertEquals(
    versionFromManifest("spec:\n  containers:\n  - image: registry.k8s.io/kube-apiserver:v1.31.2\n"),
    "v1.31.2",
  );
});

Deno.test("the etcd member is removed only when the cluster has others", async () => {
  const me: EtcdMember = {
    id: "1",
    name: "master-1",
    peerURLs: ["https://10.0.0.1:2380"],
    clientURLs: ["https://10.0.0.1:2379"],
  };
  const other: EtcdMember = {
    ...me,
    id: "2",
    name: "m2",
    peerURLs: ["https://10.0.0.2:2380"],
    clientURLs: [],
  };
  assertEquals(decideMemberRemoval([me], "https://10.0.0.1:2379", "https://10.0.0.1:2380").action, "skip");
  const d = decideMemberRemoval([me, other], "https://10.0.0.1:2379", "https://10.0.0.1:2380");
  assertEquals(d.action === "remove" ? d.member.id : "", "1");
  const removed: string[] = [];
  const fake = {
    list: () => Promise.resolve([me, other]),
    remove: (id: string) => (removed.push(id), Promise.resolve([other])),
    close() {},
  };
  const out = await removeLocalMember(fake, "https://10.0.0.1:2379", "https://10.0.0.1:2380");
  assertEquals(removed, ["1"]);
  assertEquals(out.remaining.length, 1);
  await assertRejects(
    () => removeLocalMember(fake, "https://10.0.0.9:2379", "https://10.0.0.9:2380"),
    /No etcd member has the peer URL https:\/\/10\.0\.0\.9:2380/,
  );
});

Deno.test("reset v1.20 stops the kubelet, unmounts, removes Pods and files, keeps CNI", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.20.2");
  const d = deps();
  await runReset({ rootfs: root.path, force: true, ...NO_API }, d);
  const calls = (d.runner as ReturnType<typeof runner>).calls;
  assertEquals(calls, [
    "systemctl stop kubelet",
    `umount ${root.path}/var/lib/kubelet/pods/p1/volumes/a b`,
    `umount ${root.path}/var/lib/kubelet/pods`,
    `crictl -r ${SOCK} pods -q`,
    `crictl -r ${SOCK} stopp pod-a`,
    `crictl -r ${SOCK} rmp pod-a`,
    `crictl -r ${SOCK} stopp pod-b`,
    `crictl -r ${SOCK} rmp pod-b`,
  ]);
  const out = d.log.lines.join("\n");
  assertMatch(
    out,
    /\[reset\] Deleting contents of config directories: \[\/etc\/kubernetes\/manifests \/etc\/kubernetes\/pki\]/,
  );
  assertMatch(
    out,
    /Deleting contents of stateful directories: \[\/var\/lib\/etcd \/var\/lib\/kubelet \/var\/lib\/dockershim/,
  );
  assertMatch(out, /The reset process does not clean CNI configuration/);
  for (
    const gone of [
      "etc/kubernetes/admin.conf",
      "etc/kubernetes/manifests/etcd.yaml",
      "etc/kubernetes/pki/ca.key",
    ]
  ) {
    assert(!(await exists(join(root.path, gone))), `${gone} should be removed`);
  }
  assertEquals([...Deno.readDirSync(join(root.path, "var/lib/etcd"))].length, 0);
  assertEquals([...Deno.readDirSync(join(root.path, "var/lib/kubelet"))].length, 0);
  assert(await exists(join(root.path, "etc/cni/net.d/10-flannel.conflist")), "CNI config is the user's");
  assert(await exists(join(root.path, "etc/kubernetes/manifests")), "the folder itself stays");
});

Deno.test("reset v1.34 keeps a CA kadm has no record of and removes super-admin.conf", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.34.7");
  const d = deps({ generated: NO_RECORD, runner: runner(["systemctl"]) });
  await runReset({ rootfs: root.path, force: true, ...NO_API }, d);
  const pki = join(root.path, "etc/kubernetes/pki");
  const left = [...(await snapshot(pki)).keys()].sort();
  assertEquals(left, [
    "ca.crt",
    "ca.key",
    "etcd/ca.crt",
    "etcd/ca.key",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
  ]);
  assert(!(await exists(join(root.path, "etc/kubernetes/super-admin.conf"))));
  const out = d.log.lines.join("\n");
  assertMatch(out, /\[reset\] Deleted contents of the etcd data directory: \/var\/lib\/etcd/);
  assertMatch(
    out,
    /Keeping the user-provided CA .*\/etc\/kubernetes\/pki\/ca\.crt, \/etc\/kubernetes\/pki\/ca\.key/,
  );
  assertMatch(
    out,
    /Deleting contents of directories: \[\/etc\/kubernetes\/manifests \/var\/lib\/kubelet \/etc\/kubernetes\/pki\]/,
  );
  assertMatch(out, /does not perform cleanup of CNI plugin configuration/);
  assertMatch(
    d.log.warnings.join("\n"),
    /Failed to remove containers: crictl is required for container runtime/,
  );
});

Deno.test("reset --dry-run lists what it would do and changes nothing", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.34.7");
  const before = await snapshot(root.path);
  const d = deps();
  await runReset({ rootfs: root.path, dryRun: true, ...NO_API }, d);
  assertEquals(await snapshot(root.path), before);
  assertEquals((d.runner as ReturnType<typeof runner>).calls, []);
  const out = d.log.lines.join("\n");
  for (
    const want of [
      "[reset] Would stop the kubelet service",
      "[reset] Would unmount /var/lib/kubelet/pods/p1/volumes/a b",
      "[reset] Would remove Kubernetes-managed containers",
      "[reset] Would delete contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]",
      "[reset] Would delete files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf",
    ]
  ) assert(out.includes(want), `missing: ${want}\n${out}`);
});

Deno.test("reset asks for confirmation and refuses without an answer", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.34.7");
  const d = deps({ ask: () => Promise.resolve("n") });
  await assertRejects(
    () => runReset({ rootfs: root.path, ...NO_API }, d),
    /won't proceed; the user didn't answer/,
  );
  assert(await exists(join(root.path, "etc/kubernetes/admin.conf")), "nothing removed after no");
  await assertRejects(
    () => runReset({ rootfs: root.path, ...NO_API }, deps()),
    /Refusing to reset without confirmation: .*kadm reset --force/,
  );
});

async function kadmWithStdin(args: string[], stdin: string | null) {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, ...args],
    stdin: stdin === null ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", PATH: "/nonexistent" },
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  if (stdin !== null) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the kadm reset prompt reads standard input in a subprocess", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.34.7");
  const args = ["reset", "--rootfs", root.path, ...["--kubeconfig", "/nonexistent/admin.conf"]];
  const no = await kadmWithStdin(args, "n\n");
  assertEquals(no.code, 1);
  assert(no.stdout.includes("[reset] Are you sure you want to proceed? [y/N]: "), no.stdout);
  assertMatch(no.stderr, /won't proceed/);
  const closed = await kadmWithStdin(args, null);
  assertEquals(closed.code, 1);
  assertMatch(closed.stderr, /Refusing to reset without confirmation/);
  // PATH is empty: no systemctl, crictl or umount can run; reset warns and goes on.
  const yes = await kadmWithStdin(args, "y\n");
  assertEquals(yes.code, 0, yes.stderr);
  assert(!(await exists(join(root.path, "etc/kubernetes/admin.conf"))));
  assertMatch(yes.stderr, /Unable to detect a supported init system/);
  assertMatch(yes.stdout, /For information on how to perform this cleanup manually/);
  const help = await kadmSubprocess(["reset", "--help"]);
  assertMatch(help.stdout, /remove-etcd-member/);
});

Deno.test("a fresh kadm init on the same root succeeds after reset and keeps the user's CA", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.34.7");
  const caBefore = await Deno.readTextFile(join(root.path, "etc/kubernetes/pki/ca.crt"));
  await runReset({ rootfs: root.path, force: true, ...NO_API }, deps({ generated: NO_RECORD }));
  await runInit({
    rootfs: root.path,
    kubernetesVersion: "v1.34.7",
    apiserverAdvertiseAddress: "127.0.0.1",
    nodeName: "master-1",
    criSocket: SOCK,
    ignorePreflightErrors: ["all"],
    skipPhases: ["kubelet-start", ...API_PHASES],
  }, memoryLogger());
  const pki = join(root.path, "etc/kubernetes/pki");
  assertEquals(await Deno.readTextFile(join(pki, "ca.crt")), caBefore);
  await openssl(["verify", "-CAfile", join(pki, "ca.crt"), join(pki, "apiserver.crt")]);
  assert(await exists(join(root.path, "etc/kubernetes/manifests/kube-apiserver.yaml")));
});

Deno.test("the etcd gateway client sees a real etcd as its only member", async (t) => {
  await using root = await tempDir("kadm-reset-etcd-");
  await initTree(root.path, "v1.20.2");
  const manifest = join(root.path, "etc/kubernetes/manifests/etcd.yaml");
  let etcd;
  try {
    etcd = await startEtcdFromManifest(manifest, root.path, { isolation: "lock", flagPolicy: "translate" });
  } catch (e) {
    // etcd could not start here (ports taken): the decision logic is covered by the fake client
    t.name;
    console.warn(`skipped: ${(e as Error).message.split("\n")[0]}`);
    return;
  }
  try {
    const pki = join(root.path, "etc/kubernetes/pki/etcd");
    const client = httpEtcdClient([etcd.endpoint], {
      caPem: await Deno.readTextFile(join(pki, "ca.crt")),
      certPem: await Deno.readTextFile(join(pki, "healthcheck-client.crt")),
      keyPem: await Deno.readTextFile(join(pki, "healthcheck-client.key")),
    });
    try {
      const out = await removeLocalMember(client, "https://127.0.0.1:2379", "https://127.0.0.1:2380");
      assertEquals(out.removed, undefined);
      assertEquals(out.remaining.length, 1);
      assertEquals(out.remaining[0]!.name, "master-1");
    } finally {
      client.close();
    }
  } finally {
    await etcd.stop();
  }
});

Deno.test("reset reads the version from the kubeadm-config ConfigMap and updates ClusterStatus (v1.21)", async () => {
  await using root = await tempDir("kadm-reset-");
  await initTree(root.path, "v1.34.7");
  const pki = join(root.path, "etc/kubernetes/pki");
  const clusterStatus = "apiEndpoints:\n  master-1:\n    advertiseAddress: 127.0.0.1\n    bindPort: 6443\n" +
    "  master-2:\n    advertiseAddress: 10.0.0.2\n    bindPort: 6443\napiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterStatus\n";
  await using api = await startTestApiServer({
    caCertPem: await Deno.readTextFile(join(pki, "ca.crt")),
    caKeyPem: await Deno.readTextFile(join(pki, "ca.key")),
    objects: [{
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kubeadm-config", namespace: "kube-system" },
      data: {
        ClusterConfiguration: "kubernetesVersion: v1.21.14\ncertificatesDir: /etc/kubernetes/pki\n" +
          "etcd:\n  local:\n    dataDir: /var/lib/etcd\n",
        ClusterStatus: clusterStatus,
      },
    }],
  });
  await api.listening;
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  await Deno.writeTextFile(join(root.path, "etc/kubernetes/test-admin.conf"), kubeconfig(api, admin));
  const listed: string[] = [];
  const d = deps({
    etcdClient: (eps) => ({
      list: () => (listed.push(...eps),
        Promise.resolve([{
          id: "7",
          name: "master-1",
          peerURLs: ["https://127.0.0.1:2380"],
          clientURLs: ["https://127.0.0.1:2379"],
        }])),
      remove: () => Promise.reject(new Error("must not remove the only member")),
      close() {},
    }),
  });
  await runReset({ rootfs: root.path, force: true, kubeconfig: "/etc/kubernetes/test-admin.conf" }, d);
  const out = d.log.lines.join("\n");
  assertMatch(out, /\[reset\] Reading configuration from the cluster\.\.\./);
  assertMatch(out, /Deleting contents of config directories/); // the v1.21 wording, not v1.34's
  assertEquals(listed, ["https://127.0.0.1:2379"]);
  assertEquals(d.log.warnings.filter((w) => w.includes("etcd member")), []);
  const cm = api.objects().find((o) => o.metadata?.name === "kubeadm-config") as {
    data: Record<string, string>;
  };
  assert(!cm.data.ClusterStatus!.includes("master-1"), cm.data.ClusterStatus);
  assert(cm.data.ClusterStatus!.includes("master-2"));
});
