/**
 * `kadm reset --config F`: the v1beta4 ResetConfiguration read strictly (lines in errors), kubeadm's rule
 * on mixing --config with flags, and its values driving a reset of a host-shaped tree.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects, assertThrows } from "./_std.ts";
import { tempDir } from "./_assert.ts";
import { memoryLogger } from "../lib/log.ts";
import type { CommandRunner } from "../lib/host.ts";
import { runInit } from "../cli/init.ts";
import { runReset, stateRecord } from "../cli/reset.ts";
import { fakePreflightHost } from "../lib/preflight/fake.ts";
import { loadResetConfig } from "../lib/config/reset_config.ts";

const HEAD = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n";

Deno.test("a full ResetConfiguration is read with every field", () => {
  const { cfg, warnings } = loadResetConfig(
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n---\n" + HEAD + [
      "cleanupTmpDir: true",
      "certificatesDir: /srv/pki",
      "criSocket: unix:///run/crio/crio.sock",
      "dryRun: true",
      "force: true",
      "ignorePreflightErrors: [IsPrivilegedUser]",
      "skipPhases: [cleanup-node]",
      "unmountFlags: [MNT_DETACH, MNT_FORCE]",
      "timeouts:",
      "  kubernetesAPICall: 30s",
      "  etcdAPICall: 2m0s",
    ].join("\n"),
    "reset.yaml",
  );
  assertEquals(cfg, {
    cleanupTmpDir: true,
    certificatesDir: "/srv/pki",
    criSocket: "unix:///run/crio/crio.sock",
    dryRun: true,
    force: true,
    ignorePreflightErrors: ["IsPrivilegedUser"],
    skipPhases: ["cleanup-node"],
    umountArgs: ["--lazy", "--force"],
    kubernetesAPICall: 30,
    etcdAPICall: 120,
  });
  assertEquals(warnings, [
    "Ignoring the kubeadm.k8s.io/v1beta4 InitConfiguration document in reset.yaml (line 1): kadm reset reads only ResetConfiguration",
  ]);
});

Deno.test("bad ResetConfigurations are refused naming the field and its line", () => {
  const cases: [string, RegExp][] = [
    [HEAD + "forse: true\n", /^Unknown field forse \(line 3\) in kubeadm.k8s.io\/v1beta4 ResetConfiguration/],
    [
      HEAD + "certificatesDir: pki\n",
      /^Invalid value for certificatesDir \(line 3\): "pki" is not an absolute path/,
    ],
    [
      HEAD + "unmountFlags: [MNT_EXPIRE]\n",
      /^Unsupported value for unmountFlags\[0\] \(line 3\): "MNT_EXPIRE" has no umount\(8\) option/,
    ],
    [
      HEAD + "unmountFlags: [LAZY]\n",
      /^Invalid value for unmountFlags\[0\] \(line 3\): "LAZY"; use MNT_FORCE/,
    ],
    [
      HEAD + "timeouts: {kubernetesAPICall: soon}\n",
      /^Invalid value for timeouts.kubernetesAPICall \(line 3\): "soon"/,
    ],
    [HEAD + "force: maybe\n", /^Invalid type for force \(line 3\): expected a boolean/],
    [
      "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ResetConfiguration\n",
      /^Invalid apiVersion "kubeadm.k8s.io\/v1beta3" of the ResetConfiguration in reset.yaml \(line 1\): it exists only in kubeadm.k8s.io\/v1beta4/,
    ],
    ["apiVersion: v1\nkind: ConfigMap\n", /^Unexpected document in reset.yaml \(line 1\) \(v1 ConfigMap\)/],
    ["apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n", /^No ResetConfiguration in reset.yaml/],
  ];
  for (const [text, re] of cases) assertThrows(() => loadResetConfig(text, "reset.yaml"), re);
});

function recordingRunner(): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd, args) {
      calls.push([cmd, ...args].join(" "));
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    },
    has: (cmd) => Promise.resolve(["systemctl", "crictl"].includes(cmd)),
  };
}

Deno.test("reset --config takes force, the certificates folder, unmount flags and skipped phases from the file", async () => {
  await using root = await tempDir("kadm-reset-config-");
  await runInit({
    dryRun: true,
    dryRunDir: root.path,
    kubernetesVersion: "v1.34.7",
    apiserverAdvertiseAddress: "127.0.0.1",
    nodeName: "master-1",
    criSocket: "unix:///var/run/containerd/containerd.sock",
  }, memoryLogger());
  await Deno.mkdir(join(root.path, "var/lib/kubelet/pods/p1"), { recursive: true });
  await Deno.mkdir(join(root.path, "proc"), { recursive: true });
  await Deno.writeTextFile(join(root.path, "proc/mounts"), "tmpfs /var/lib/kubelet/pods tmpfs rw 0 0\n");
  const cfgPath = join(root.path, "reset.yaml");
  await Deno.writeTextFile(
    cfgPath,
    HEAD +
      "force: true\ncertificatesDir: /etc/kubernetes/pki\nunmountFlags: [MNT_DETACH]\nskipPhases: [remove-etcd-member]\n",
  );
  const runner = recordingRunner();
  const log = memoryLogger();
  const deps = {
    log,
    runner,
    host: fakePreflightHost({ uid: 0 }),
    // No answer on stdin: only `force: true` from the file lets reset go on.
    ask: () => Promise.resolve(undefined),
    generated: stateRecord,
    nodeName: "master-1",
  };
  await runReset({ rootfs: root.path, config: cfgPath, kubeconfig: "/nonexistent/admin.conf" }, deps);
  assert(runner.calls.includes(`umount --lazy ${root.path}/var/lib/kubelet/pods`), runner.calls.join("\n"));
  assert(!log.lines.some((l) => l.includes("etcd member")), "remove-etcd-member was skipped");
  assert(!(await Deno.lstat(join(root.path, "etc/kubernetes/pki/ca.key")).then(() => true, () => false)));

  await assertRejects(
    () => runReset({ rootfs: root.path, config: cfgPath, force: true, certDir: "/x" }, deps),
    /^Can not mix '--config' with arguments \[force cert-dir\]: set them in the ResetConfiguration instead$/,
  );
});
