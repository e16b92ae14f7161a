/**
 * `kadm init --dry-run --patches DIR` end to end (a subprocess of main.ts): patched manifests and kubelet
 * config on disk, kubeadm's `[patches]` lines in order, and bad patches refused before anything is written.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "./_std.ts";
import { join } from "node:path";
import YAML from "yaml";
import { exists } from "../lib/host.ts";
import { kadmSubprocess as kadm } from "./support/e2e.ts";

const PATCHES: Record<string, string> = {
  "kube-apiserver0.yaml": `spec:
  containers:
  - name: kube-apiserver
    env:
    - name: GOMAXPROCS
      value: "4"
    resources:
      limits:
        memory: 2Gi
`,
  "kube-apiserver1+json.json":
    `[{"op": "add", "path": "/metadata/annotations/example.com~1patched", "value": "yes"}]`,
  "etcd+merge.yaml": `metadata:
  labels:
    tier: storage
---
spec:
  priority: 2000001000
`,
  "kubeletconfiguration.yaml": "maxPods: 42\nclusterDNS:\n- 169.254.20.10\n",
  "corednsdeployment.yaml": "spec: {replicas: 3}\n",
  "notes.txt": "not a patch",
};

async function withDirs(fn: (patches: string, out: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "kadm-patches-cli-" });
  try {
    const patches = join(root, "patches");
    await Deno.mkdir(patches);
    for (const [name, text] of Object.entries(PATCHES)) await Deno.writeTextFile(join(patches, name), text);
    await fn(patches, join(root, "out"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

type Pod = {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { priority?: number; containers: { env?: { name: string; value: string }[]; resources: unknown }[] };
};

Deno.test("init --dry-run --patches writes patched manifests and kubelet config and prints kubeadm's lines", async () => {
  await withDirs(async (patches, out) => {
    const r = await kadm([
      "init",
      "--dry-run",
      "--dry-run-dir",
      out,
      "--patches",
      patches,
      "--kubernetes-version",
      "v1.34.0",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const manifests = join(out, "etc/kubernetes/manifests");
    const api = YAML.parse(await Deno.readTextFile(join(manifests, "kube-apiserver.yaml"))) as Pod;
    assertEquals(api.metadata.annotations?.["example.com/patched"], "yes");
    const c = api.spec.containers[0]!;
    assert(c.env?.some((e) => e.name === "GOMAXPROCS" && e.value === "4"), JSON.stringify(c.env));
    assertEquals(c.resources, { limits: { memory: "2Gi" }, requests: { cpu: "250m" } });
    const etcd = YAML.parse(await Deno.readTextFile(join(manifests, "etcd.yaml"))) as Pod;
    assertEquals(etcd.metadata.labels.tier, "storage");
    assertEquals(etcd.spec.priority, 2000001000);
    const sched = await Deno.readTextFile(join(manifests, "kube-scheduler.yaml"));
    assertNotMatch(sched, /patched|GOMAXPROCS/);
    const kubelet = YAML.parse(await Deno.readTextFile(join(out, "var/lib/kubelet/config.yaml")));
    assertEquals(kubelet.maxPods, 42);
    assertEquals(kubelet.clusterDNS, ["169.254.20.10"]);
    assertEquals(kubelet.containerRuntimeEndpoint, "unix:///var/run/containerd/containerd.sock");

    const lines = r.stdout.split("\n");
    const patchLines = lines.filter((l) => l.startsWith("[patches]"));
    const smp = '"application/strategic-merge-patch+json"';
    assertEquals(patchLines, [
      `[patches] Reading patches from path ${JSON.stringify(patches)}`,
      '[patches] Ignoring file "notes.txt": the file extension must be one of [json yaml]',
      "[patches] Found the following patch files: [corednsdeployment.yaml etcd+merge.yaml kube-apiserver0.yaml " +
      "kube-apiserver1+json.json kubeletconfiguration.yaml]",
      "[patches] Ignored the following files: [notes.txt]",
      '[patches] Applied patch of type "application/merge-patch+json" to target "etcd"',
      '[patches] Applied patch of type "application/merge-patch+json" to target "etcd"',
      `[patches] Applied patch of type ${smp} to target "kube-apiserver"`,
      '[patches] Applied patch of type "application/json-patch+json" to target "kube-apiserver"',
      `[patches] Applied patch of type ${smp} to target "kubeletconfiguration"`,
      // NodeLocalCRISocket (v1.34): instance-config.yaml applied after the user's patches.
      `[patches] Applied patch of type ${smp} to target "kubeletconfiguration"`,
    ]);
    // The folder is announced by the first phase that uses it, and each patch follows its component's line.
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    assertEquals(at(/^\[patches\] Reading/), at(/^\[etcd\] Creating static Pod manifest/) + 1);
    assertEquals(
      at(/to target "kube-apiserver"/),
      at(/Creating static Pod manifest for "kube-apiserver"/) + 1,
    );
    assertEquals(
      at(/^\[kubelet-start\] Writing kubelet configuration to file ".*\/config\.yaml"$/),
      lines.findLastIndex((l) => /to target "kubeletconfiguration"/.test(l)) + 1,
    );
  });
});

Deno.test("init --patches at v1.24 ignores kubeletconfiguration and corednsdeployment files", async () => {
  await withDirs(async (patches, out) => {
    const r = await kadm([
      "init",
      "--dry-run",
      "--dry-run-dir",
      out,
      "--patches",
      patches,
      "--kubernetes-version",
      "v1.24.0",
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stdout,
      /\[patches\] Ignoring file "kubeletconfiguration.yaml": unknown target, must be one of \[etcd kube-apiserver kube-controller-manager kube-scheduler\]/,
    );
    assertNotMatch(r.stdout, /to target "kubeletconfiguration"/);
    const kubelet = YAML.parse(await Deno.readTextFile(join(out, "var/lib/kubelet/config.yaml")));
    assertEquals(kubelet.maxPods, undefined);
  });
});

Deno.test("a bad patch file or a missing patches folder stops init before anything is written", async () => {
  await withDirs(async (patches, out) => {
    await Deno.writeTextFile(join(patches, "kube-scheduler+json.yaml"), "spec: {}\n");
    const r = await kadm(["init", "--dry-run", "--dry-run-dir", out, "--patches", patches]);
    assert(r.code !== 0);
    assertMatch(
      r.stderr,
      /Invalid patch file ".*kube-scheduler\+json.yaml": a JSON patch must be a list of operations/,
    );
    assertNotMatch(r.stderr, /\n\s+at /);
    assert(!(await exists(out)), "the dry-run folder was created");
    const m = await kadm(["init", "--dry-run", "--dry-run-dir", out, "--patches", join(patches, "nope")]);
    assert(m.code !== 0);
    assertMatch(m.stderr, /Could not list patch files for path ".*nope": no such folder/);
    assert(!(await exists(out)));
  });
});
