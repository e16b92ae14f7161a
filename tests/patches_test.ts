/**
 * `--patches` as kubeadm's util/patches does it: file names, walk order, ignored and bad files, the three
 * patch types (RFC 7386, RFC 6902, strategic merge for Pods and KubeletConfiguration) and the lines.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./_std.ts";
import { join } from "node:path";
import {
  applyPatchDocument,
  applyPatchSets,
  type Json,
  knownPatchTargets,
  loadPatchSets,
  parsePatchFile,
  parsePatchFileName,
  patchLoadLines,
  type PatchSets,
  splitPatchDocuments,
  walkOrder,
} from "../lib/patches.ts";
import { applyJsonPatch, decodeJsonPatch, mergePatch } from "../lib/patch_json.ts";
import { DEPLOYMENT_SCHEMA, PLAIN_SCHEMA, POD_SCHEMA, strategicMergePatch } from "../lib/patch_strategic.ts";
import { UserError } from "../lib/errors.ts";
import { memoryLogger } from "../lib/log.ts";
import { readPatches } from "../phases/patches.ts";

const ALL = knownPatchTargets(34);

async function load(files: Record<string, string>, minor = 34): Promise<PatchSets> {
  return await loadPatchSets(
    "/p",
    Object.keys(files),
    (rel) => Promise.resolve(files[rel]!),
    knownPatchTargets(minor),
  );
}

function pod(): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "kube-apiserver", labels: { component: "kube-apiserver" } },
    spec: {
      containers: [{
        name: "kube-apiserver",
        command: ["kube-apiserver", "--a=1"],
        env: [{ name: "HTTP_PROXY", value: "p" }],
        volumeMounts: [{ name: "k8s-certs", mountPath: "/etc/kubernetes/pki", readOnly: true }],
        resources: { requests: { cpu: "250m" } },
      }],
      volumes: [{ name: "k8s-certs", hostPath: { path: "/etc/kubernetes/pki" } }],
      tolerations: [{ operator: "Exists" }],
    },
  };
}

// ---- file names ----

Deno.test("patch file names give the target, an optional suffix and the patch type", () => {
  assertEquals(parsePatchFileName("etcd.json", ALL), { target: "etcd", type: "strategic" });
  assertEquals(parsePatchFileName("kube-apiserver0+merge.yaml", ALL), {
    target: "kube-apiserver",
    type: "merge",
  });
  assertEquals(parsePatchFileName("kube-scheduler-extra+json.json", ALL), {
    target: "kube-scheduler",
    type: "json",
  });
  assertEquals(parsePatchFileName("kubeletconfiguration+strategic.yaml", ALL), {
    target: "kubeletconfiguration",
    type: "strategic",
  });
  assertEquals(parsePatchFileName("corednsdeployment.yaml", ALL), {
    target: "corednsdeployment",
    type: "strategic",
  });
});

Deno.test("files with another extension or an unknown target are ignored with kubeadm's reason", () => {
  assertEquals(parsePatchFileName("etcd.yml", ALL), {
    ignore: "the file extension must be one of [json yaml]",
  });
  assertEquals(parsePatchFileName("README", ALL), {
    ignore: "the file extension must be one of [json yaml]",
  });
  assertEquals(parsePatchFileName("kube-proxy.yaml", ALL), {
    ignore:
      "unknown target, must be one of [etcd kube-apiserver kube-controller-manager kube-scheduler kubeletconfiguration corednsdeployment]",
  });
});

Deno.test("a + without a known patch type is an error, not a warning", () => {
  assertThrows(
    () => parsePatchFileName("etcd+foo.yaml", ALL, "/p"),
    /Invalid patch file name "etcd\+foo.yaml" in "\/p": unknown or missing patch type after '\+', must be one of \[json merge strategic\]/,
  );
});

Deno.test("the targets follow the minor: kubeletconfiguration from v1.25, corednsdeployment from v1.31", () => {
  assertEquals(knownPatchTargets(20), [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
  ]);
  assert(knownPatchTargets(25).includes("kubeletconfiguration"));
  assert(!knownPatchTargets(30).includes("corednsdeployment"));
  assert(knownPatchTargets(31).includes("corednsdeployment"));
  assert("ignore" in parsePatchFileName("kubeletconfiguration.yaml", knownPatchTargets(24)));
});

// ---- folder loading ----

Deno.test("files are taken in filepath.Walk order: names sorted, sub-folders where they sort", () => {
  assertEquals(walkOrder(["b.yaml", "a.yaml", "a/z.yaml", "A.yaml", "etcd1.yaml", "etcd0.yaml"]), [
    "A.yaml",
    "a/z.yaml",
    "a.yaml",
    "b.yaml",
    "etcd0.yaml",
    "etcd1.yaml",
  ]);
});

Deno.test("loading a folder reports found, ignored and empty files as kubeadm prints them", async () => {
  const sets = await load({
    "kube-apiserver1+merge.yaml": "metadata: {labels: {b: '2'}}\n",
    "kube-apiserver0.yaml": "metadata: {labels: {a: '1'}}\n",
    "notes.txt": "not read",
    "etcd.yaml": "",
    "sub/kube-scheduler.json": "{}",
  });
  assertEquals(patchLoadLines(sets), [
    '[patches] Reading patches from path "/p"',
    '[patches] Ignoring empty file: "etcd.yaml"',
    '[patches] Ignoring file "notes.txt": the file extension must be one of [json yaml]',
    "[patches] Found the following patch files: [kube-apiserver0.yaml kube-apiserver1+merge.yaml kube-scheduler.json]",
    "[patches] Ignored the following files: [etcd.yaml notes.txt]",
  ]);
});

Deno.test("ignored files are never read", async () => {
  const read = (rel: string) => Promise.reject(new Error(`read ${rel}`));
  const sets = await loadPatchSets("/p", ["x.txt", "kube-proxy.yaml"], read, ALL);
  assertEquals(sets.entries.length, 2);
});

Deno.test("a file may hold several documents separated by ---; blank documents are skipped", () => {
  assertEquals(splitPatchDocuments("a: 1\n---\n\n--- # comment\nb: 2\n---\n"), ["a: 1", "b: 2"]);
  assertThrows(() => splitPatchDocuments("a: 1\n--- b: 2\n"), /invalid YAML document separator: b: 2/);
  const f = parsePatchFile(
    "/p/etcd.yaml",
    "etcd.yaml",
    "etcd",
    "strategic",
    "a: 1\n---\nb: yes\n---\nc: 2001-12-14\n",
  );
  assertEquals(f.documents, [{ a: 1 }, { b: true }, { c: "2001-12-14" }]);
});

Deno.test("invalid patch files are UserErrors naming the file", () => {
  const bad: [string, "json" | "merge" | "strategic", string, RegExp][] = [
    ["etcd.yaml", "strategic", "a: [1\n", /"\/p\/etcd.yaml": could not convert patch to JSON/],
    ["etcd.yaml", "strategic", "- 1\n", /"\/p\/etcd.yaml": a strategic patch must be a map, not a list/],
    ["etcd+merge.yaml", "merge", "5\n", /a merge patch must be a map, not number/],
    ["etcd+json.yaml", "json", "op: add\n", /a JSON patch must be a list of operations/],
    ["etcd+json.yaml", "json", '[{"op": "add", "path": "/a"}]', /operation 1 \(add\) has no "value"/],
    ["etcd+json.yaml", "json", '[{"op": "frob", "path": "/a"}]', /operation 1 has an unknown "op" "frob"/],
    ["etcd+json.yaml", "json", '[{"op": "remove", "path": "a"}]', /must start with "\/"/],
    ["etcd+json.yaml", "json", '[{"op": "move", "path": "/a"}]', /has no "from"/],
    ["etcd.yaml", "strategic", "a: 1\n---\nb: [\n", /document 2: could not convert/],
  ];
  for (const [name, type, text, re] of bad) {
    const e = assertThrows(() => parsePatchFile(`/p/${name}`, name, "etcd", type, text), re);
    assert(e instanceof UserError, name);
  }
});

// ---- RFC 7386 ----

Deno.test("a merge patch merges maps, deletes with null and replaces lists", () => {
  assertEquals(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3], f: "x" }), {
    a: 1,
    b: { d: 3, e: 4 },
    l: [3],
    f: "x",
  });
  // RFC 7386 appendix A cases.
  assertEquals(mergePatch({ a: "b" }, { a: "c" }), { a: "c" });
  assertEquals(mergePatch({ a: [{ b: "c" }] }, { a: [1] }), { a: [1] });
  assertEquals(mergePatch(["a", "b"], { a: "c" }), { a: "c" });
  assertEquals(mergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  assertEquals(mergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
});

// ---- RFC 6902 ----

Deno.test("a JSON patch runs add, remove, replace, move, copy and test in order", () => {
  const doc = { a: { "b/c": 1, "d~e": 2 }, l: [1, 2, 3] };
  const out = applyJsonPatch(
    doc,
    decodeJsonPatch([
      { op: "add", path: "/a/new", value: { x: 1 } },
      { op: "replace", path: "/a/b~1c", value: 10 },
      { op: "remove", path: "/a/d~0e" },
      { op: "add", path: "/l/1", value: 9 },
      { op: "add", path: "/l/-", value: 4 },
      { op: "remove", path: "/l/0" },
      { op: "copy", from: "/a/new", path: "/copied" },
      { op: "move", from: "/copied/x", path: "/moved" },
      { op: "test", path: "/moved", value: 1 },
    ]),
  );
  assertEquals(out, { a: { "b/c": 10, new: { x: 1 } }, l: [9, 2, 3, 4], copied: {}, moved: 1 });
  assertEquals(doc, { a: { "b/c": 1, "d~e": 2 }, l: [1, 2, 3] }, "the input is not mutated");
});

Deno.test("a JSON patch that does not apply says which operation failed", () => {
  const run = (ops: Json) => () => applyJsonPatch({ a: 1, l: [1] }, decodeJsonPatch(ops));
  assertThrows(
    run([{ op: "replace", path: "/b", value: 1 }]),
    /operation 1 \(replace "\/b"\).*no such value/,
  );
  assertThrows(run([{ op: "remove", path: "/l/1" }]), /out of range/);
  assertThrows(run([{ op: "add", path: "/x/y", value: 1 }]), /missing parent/);
  assertThrows(run([{ op: "test", path: "/a", value: 2 }]), /test failed/);
  assertThrows(run([{ op: "add", path: "/l/01", value: 2 }]), /not an array index/);
});

// ---- strategic merge ----

Deno.test("a strategic patch merges Pod containers, env and volumes by their keys", () => {
  const out = strategicMergePatch(pod(), {
    metadata: { labels: { extra: "x" } },
    spec: {
      containers: [{
        name: "kube-apiserver",
        env: [{ name: "HTTP_PROXY", value: "q" }, { name: "NEW", value: "1" }],
        volumeMounts: [{ name: "audit", mountPath: "/var/log/audit" }],
        resources: { limits: { memory: "1Gi" } },
      }],
      volumes: [{ name: "audit", hostPath: { path: "/var/log/audit" } }],
      tolerations: [{ key: "a", operator: "Exists" }],
    },
  }, POD_SCHEMA) as { metadata: Json; spec: { containers: Json[]; volumes: Json[]; tolerations: Json[] } };
  const c = out.spec.containers[0] as Record<string, Json>;
  assertEquals(out.spec.containers.length, 1);
  assertEquals(c.command, ["kube-apiserver", "--a=1"]);
  assertEquals(c.env, [{ name: "HTTP_PROXY", value: "q" }, { name: "NEW", value: "1" }]);
  assertEquals(c.volumeMounts, [
    { name: "k8s-certs", mountPath: "/etc/kubernetes/pki", readOnly: true },
    { name: "audit", mountPath: "/var/log/audit" },
  ]);
  assertEquals(c.resources, { requests: { cpu: "250m" }, limits: { memory: "1Gi" } });
  assertEquals(out.spec.volumes.map((v) => (v as { name: string }).name), ["k8s-certs", "audit"]);
  assertEquals(
    out.spec.tolerations,
    [{ key: "a", operator: "Exists" }],
    "lists without a merge key are replaced",
  );
  assertEquals(out.metadata, { name: "kube-apiserver", labels: { component: "kube-apiserver", extra: "x" } });
});

Deno.test("strategic $patch directives delete or replace list elements and maps", () => {
  const out = strategicMergePatch(pod(), {
    spec: {
      containers: [{
        name: "kube-apiserver",
        env: [{ name: "HTTP_PROXY", $patch: "delete" }],
        volumeMounts: [{ $patch: "replace" }, { name: "only", mountPath: "/only" }],
        resources: { $patch: "replace", requests: { cpu: "1" } },
      }],
      volumes: [{ name: "k8s-certs", $patch: "delete" }],
    },
  }, POD_SCHEMA) as { spec: { containers: Record<string, Json>[]; volumes: Json[] } };
  const c = out.spec.containers[0]!;
  assertEquals(c.env, []);
  assertEquals(c.volumeMounts, [{ name: "only", mountPath: "/only" }]);
  assertEquals(c.resources, { requests: { cpu: "1" } });
  assertEquals(out.spec.volumes, []);
  const gone = strategicMergePatch(pod(), {
    spec: { containers: [{ name: "kube-apiserver", resources: { $patch: "delete" } }] },
  }, POD_SCHEMA) as { spec: { containers: Record<string, Json>[] } };
  assert(!("resources" in gone.spec.containers[0]!));
  assertThrows(
    () => strategicMergePatch(pod(), { spec: { volumes: [{ hostPath: {} }] } }, POD_SCHEMA),
    /does not contain declared merge key: name/,
  );
  assertThrows(
    () => strategicMergePatch(pod(), { $patch: "frob" }, POD_SCHEMA),
    /unknown \$patch directive "frob"/,
  );
});

Deno.test("a strategic patch on the KubeletConfiguration merges maps and replaces lists", () => {
  const cfg = {
    clusterDNS: ["10.96.0.10"],
    authentication: { webhook: { enabled: true } },
    evictionHard: { a: "1" },
  };
  assertEquals(
    strategicMergePatch(cfg, {
      clusterDNS: ["169.254.20.10"],
      authentication: { anonymous: { enabled: false } },
      evictionHard: null,
      maxPods: 42,
    }, PLAIN_SCHEMA),
    {
      clusterDNS: ["169.254.20.10"],
      authentication: { webhook: { enabled: true }, anonymous: { enabled: false } },
      maxPods: 42,
    },
  );
});

Deno.test("a strategic patch on the CoreDNS Deployment merges its Pod template containers by name", () => {
  const dep = {
    spec: {
      template: { spec: { containers: [{ name: "coredns", image: "a" }, { name: "side", image: "b" }] } },
    },
  };
  const out = strategicMergePatch(dep, {
    spec: {
      template: { spec: { containers: [{ name: "coredns", resources: { limits: { memory: "500Mi" } } }] } },
    },
  }, DEPLOYMENT_SCHEMA);
  assertEquals(out, {
    spec: {
      template: {
        spec: {
          containers: [{ name: "coredns", image: "a", resources: { limits: { memory: "500Mi" } } }, {
            name: "side",
            image: "b",
          }],
        },
      },
    },
  });
});

// ---- applying a folder ----

Deno.test("patches apply file by file, document by document, and print one line each", async () => {
  const sets = await load({
    "kube-apiserver0.yaml": "metadata: {labels: {order: first}}\n---\nmetadata: {labels: {two: docs}}\n",
    "kube-apiserver1+merge.yaml": "metadata: {labels: {order: second}}\n",
    "kube-apiserver2+json.json": '[{"op": "add", "path": "/metadata/annotations", "value": {"a~b/c": "x"}}]',
    "etcd.yaml": "metadata: {labels: {etcd: only}}\n",
  });
  const r = applyPatchSets(sets, "kube-apiserver", pod());
  const meta = (r.value as { metadata: Json }).metadata;
  assertEquals(meta, {
    name: "kube-apiserver",
    labels: { component: "kube-apiserver", order: "second", two: "docs" },
    annotations: { "a~b/c": "x" },
  });
  assertEquals(r.lines, [
    '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kube-apiserver"',
    '[patches] Applied patch of type "application/strategic-merge-patch+json" to target "kube-apiserver"',
    '[patches] Applied patch of type "application/merge-patch+json" to target "kube-apiserver"',
    '[patches] Applied patch of type "application/json-patch+json" to target "kube-apiserver"',
  ]);
  assertEquals(applyPatchSets(sets, "kube-scheduler", pod()).lines, []);
});

Deno.test("a patch that does not apply is a UserError naming the file and the target", async () => {
  const sets = await load({ "etcd+json.yaml": "- {op: remove, path: /spec/nope}\n" });
  const e = assertThrows(
    () => applyPatchSets(sets, "etcd", pod()),
    /Could not apply the patch of type "application\/json-patch\+json" in "\/p\/etcd\+json.yaml" to target "etcd": operation 1/,
  );
  assert(e instanceof UserError);
  assertEquals(
    applyPatchDocument("merge", "etcd", { a: 1 }, null),
    { a: 1 },
    "an empty document changes nothing",
  );
});

// ---- the folder on disk ----

Deno.test("reading the folder walks sub-folders and fails clearly on a missing folder or a file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kadm-patches-" });
  try {
    await Deno.mkdir(join(dir, "nested"));
    await Deno.writeTextFile(join(dir, "nested", "kube-scheduler.yaml"), "metadata: {labels: {sub: '1'}}\n");
    await Deno.writeTextFile(join(dir, "etcd+merge.json"), '{"spec": {"priority": 1}}');
    const p = await readPatches(dir, 34);
    assert(p);
    const log = memoryLogger();
    const out = p.apply(log, "kube-scheduler", pod()) as { metadata: { labels: Record<string, string> } };
    assertEquals(out.metadata.labels.sub, "1");
    p.apply(log, "etcd", pod());
    assertEquals(log.lines.filter((l) => l.startsWith("[patches] Reading")).length, 1, "announced once");
    assertEquals(await readPatches("", 34), undefined);
    await assertRejects(
      () => readPatches(join(dir, "missing"), 34),
      /Could not list patch files for path ".*missing": no such folder/,
    );
    await assertRejects(() => readPatches(join(dir, "etcd+merge.json"), 34), /not a directory/);
    await Deno.writeTextFile(join(dir, "kube-apiserver+json.yaml"), "{}\n");
    await assertRejects(
      () => readPatches(dir, 34),
      /Invalid patch file ".*kube-apiserver\+json.yaml": a JSON patch must be a list/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a target the minor does not know is left alone and announces nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kadm-patches-" });
  try {
    await Deno.writeTextFile(join(dir, "kubeletconfiguration.yaml"), "maxPods: 1\n");
    const p = (await readPatches(dir, 24))!;
    const log = memoryLogger();
    assertEquals(p.apply(log, "kubeletconfiguration", { maxPods: 110 }), { maxPods: 110 });
    assertEquals(log.lines, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
