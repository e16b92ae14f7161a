/** Invariants of the per-minor table in lib/versions.ts. */
import assert from "node:assert/strict";
import {
  byPatch,
  DEFAULT_KUBERNETES_VERSION,
  minorInfo,
  MINORS,
  NEWEST_MINOR,
  OLDEST_MINOR,
  type PatchList,
} from "../lib/versions.ts";

const CORE_PHASES = [
  "preflight",
  "certs",
  "kubeconfig",
  "kubelet-start",
  "control-plane",
  "etcd",
  "wait-control-plane",
  "upload-config",
  "upload-certs",
  "mark-control-plane",
  "bootstrap-token",
  "kubelet-finalize",
  "addon",
  "selfhosting", // kadm's; does nothing unless the SelfHosting gate is on
];

function parsePatch(v: string): { minor: number; patch: number } {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(v);
  assert.ok(m, `${v} is not a vX.Y.Z release version`);
  return { minor: Number(m[1]), patch: Number(m[2]) };
}

function assertPatchList<T>(list: PatchList<T>, latest: number, what: string): void {
  assert.ok(list.length > 0, `${what} is empty`);
  assert.equal(list[0]?.[0], 0, `${what} does not start at patch 0`);
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1]!, cur = list[i]!;
    assert.ok(cur[0] > prev[0], `${what} patches are not ascending`);
    assert.notDeepEqual(cur[1], prev[1], `${what} repeats a value at patch ${cur[0]}`);
  }
  assert.ok(list[list.length - 1]![0] <= latest, `${what} has a bump after the latest known patch`);
}

Deno.test("every minor from v1.20 to v1.34 is present exactly once and ascending", () => {
  const minors = MINORS.map((m) => m.minor);
  const expected = Array.from({ length: NEWEST_MINOR - OLDEST_MINOR + 1 }, (_, i) => OLDEST_MINOR + i);
  assert.deepEqual(minors, expected);
  for (const m of expected) assert.equal(minorInfo(m).minor, m);
  assert.throws(() => minorInfo(19), /no version data for v1\.19/);
});

Deno.test("latestPatch parses and belongs to its minor", () => {
  for (const m of MINORS) assert.equal(parsePatch(m.latestPatch).minor, m.minor);
});

Deno.test("every per-patch list is non-empty, starts at patch 0 and ascends", () => {
  for (const m of MINORS) {
    const latest = parsePatch(m.latestPatch).patch;
    assertPatchList(m.etcd, latest, `v1.${m.minor} etcd`);
    assertPatchList(m.coredns, latest, `v1.${m.minor} coredns`);
    assertPatchList(m.defaultImageRepositoryByPatch, latest, `v1.${m.minor} registry`);
    assertPatchList(m.etcdEphemeralStorageByPatch, latest, `v1.${m.minor} ephemeral-storage`);
    assertPatchList(m.etcdCorruptCheckByPatch, latest, `v1.${m.minor} corrupt-check`);
    for (const [, tag] of m.etcd) assert.match(tag, /^3\.\d+\.\d+-\d+$/);
  }
});

Deno.test("byPatch picks the last entry at or before the patch", () => {
  const list: PatchList<string> = [[0, "a"], [5, "b"], [9, "c"]];
  assert.equal(byPatch(list, 0), "a");
  assert.equal(byPatch(list, 4), "a");
  assert.equal(byPatch(list, 5), "b");
  assert.equal(byPatch(list, 100), "c");
  assert.throws(() => byPatch([], 1), /empty per-patch list/);
  assert.equal(byPatch(minorInfo(28).etcd, 13), "3.5.12-0");
  assert.equal(byPatch(minorInfo(28).etcd, 14), "3.5.15-0");
});

Deno.test("the v1.20 row reproduces the kubeadm v1.20.2 reference", () => {
  const m = minorInfo(20);
  assert.equal(byPatch(m.etcd, 2), "3.4.13-0");
  assert.equal(byPatch(m.coredns, 2), "1.7.0");
  assert.equal(m.pause, "3.2");
  assert.equal(byPatch(m.defaultImageRepositoryByPatch, 2), "k8s.gcr.io");
  assert.equal(m.kubeletConfigMapName, "kubelet-config-1.20");
  assert.deepEqual(m.controlPlaneLabels, [
    "node-role.kubernetes.io/master",
    "node-role.kubernetes.io/control-plane",
  ]);
  assert.deepEqual(m.controlPlaneTaints, [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }]);
  assert.equal(byPatch(m.etcdEphemeralStorageByPatch, 2), true);
  assert.equal(m.etcdProbe, "health");
  assert.equal(m.apiserverInsecurePortZero && m.componentPortZero, true);
  assert.equal(m.leafBasicConstraints || m.certBackdate || m.kubeletCgroupDriverSystemd, false);
  assert.equal(m.kubeletContainerRuntimeRemote, true);
  assert.deepEqual(m.kubeletZeroFields, { logging: {} });
  assert.equal(m.kubeletZeroDurations.length, 16);
  assert.deepEqual(m.phaseOrder, CORE_PHASES);
});

Deno.test("configAPI is v1beta2 to v1.21, v1beta3 to v1.30 and v1beta4 after", () => {
  for (const m of MINORS) {
    const want = m.minor <= 21 ? "v1beta2" : m.minor <= 30 ? "v1beta3" : "v1beta4";
    assert.equal(m.configAPI, want, `v1.${m.minor}`);
  }
});

Deno.test("super-admin.conf exists exactly from v1.29", () => {
  for (const m of MINORS) {
    assert.equal(m.superAdmin, m.minor >= 29, `v1.${m.minor}`);
    assert.deepEqual(m.certOrgs.admin, m.minor >= 29 ? ["kubeadm:cluster-admins"] : ["system:masters"]);
  }
});

Deno.test("every phase order starts with preflight and holds the same core phases", () => {
  for (const m of MINORS) {
    assert.equal(m.phaseOrder[0], "preflight");
    const core = m.phaseOrder.filter((p) => p !== "show-join-command");
    assert.deepEqual([...core].sort(), [...CORE_PHASES].sort(), `v1.${m.minor}`);
    assert.equal(m.phaseOrder.includes("show-join-command"), m.minor >= 26, `v1.${m.minor}`);
    assert.equal(new Set(m.phaseOrder).size, m.phaseOrder.length);
  }
});

Deno.test("the kubelet starts after the etcd and control-plane manifests from v1.28 (kubernetes#117984)", () => {
  for (const m of MINORS) {
    const at = (p: string) => m.phaseOrder.indexOf(p);
    assert.equal(at("etcd") < at("kubelet-start"), m.minor >= 28, `v1.${m.minor} etcd`);
    assert.equal(at("control-plane") < at("kubelet-start"), m.minor >= 28, `v1.${m.minor} control-plane`);
    assert.equal(at("etcd") < at("control-plane"), m.minor >= 28, `v1.${m.minor} etcd before control-plane`);
  }
});

Deno.test("control-plane labels and taints follow the master-to-control-plane history", () => {
  const master = "node-role.kubernetes.io/master";
  const cp = "node-role.kubernetes.io/control-plane";
  const lb = "node.kubernetes.io/exclude-from-external-load-balancers";
  for (const m of MINORS) {
    const labels = m.controlPlaneLabels, taints = m.controlPlaneTaints.map((t) => t.key);
    assert.ok(labels.includes(cp), `v1.${m.minor} lacks the control-plane label`);
    assert.equal(labels.includes(master), m.minor <= 23, `v1.${m.minor} master label`);
    assert.equal(labels.includes(lb), m.minor >= 21, `v1.${m.minor} exclude-lb label`);
    assert.equal(taints.includes(master), m.minor <= 24, `v1.${m.minor} master taint`);
    assert.equal(taints.includes(cp), m.minor >= 24, `v1.${m.minor} control-plane taint`);
    for (const t of m.controlPlaneTaints) assert.equal(t.effect, "NoSchedule");
  }
});

Deno.test("registry, kubelet ConfigMap name and CRI socket switch at the documented minors", () => {
  for (const m of MINORS) {
    const last = parsePatch(m.latestPatch).patch;
    const latestRepo = byPatch(m.defaultImageRepositoryByPatch, last);
    assert.equal(latestRepo, m.minor >= 22 ? "registry.k8s.io" : "k8s.gcr.io", `v1.${m.minor}`);
    assert.equal(
      byPatch(m.defaultImageRepositoryByPatch, 0),
      m.minor >= 25 ? "registry.k8s.io" : "k8s.gcr.io",
    );
    assert.equal(m.kubeletConfigMapName, m.minor <= 23 ? `kubelet-config-1.${m.minor}` : "kubelet-config");
    assert.equal(m.defaultCRISocket.startsWith("unix://"), m.criSocketURL, `v1.${m.minor}`);
  }
});

Deno.test("feature gate lists name only gates the minor knows", () => {
  for (const m of MINORS) {
    assert.equal(m.featureGates.PublicKeysECDSA, false, `v1.${m.minor}`);
    assert.equal("IPv6DualStack" in m.featureGates, m.minor <= 23);
    assert.equal("UnversionedKubeletConfigMap" in m.featureGates, m.minor >= 22 && m.minor <= 25);
    assert.equal("WaitForAllControlPlaneComponents" in m.featureGates, m.minor >= 30);
    assert.equal(m.featureGates.ControlPlaneKubeletLocalMode ?? false, m.kubeletConfLocal, `v1.${m.minor}`);
    assert.equal(m.featureGates.NodeLocalCRISocket ?? false, m.nodeLocalCRISocket, `v1.${m.minor}`);
  }
});

Deno.test("kubelet config zero durations stay sorted and gain imageMaximumGCAge in v1.29", () => {
  for (const m of MINORS) {
    assert.deepEqual([...m.kubeletZeroDurations], [...m.kubeletZeroDurations].sort());
    assert.equal(m.kubeletZeroDurations.includes("imageMaximumGCAge"), m.minor >= 29);
    assert.equal("containerRuntimeEndpoint" in m.kubeletZeroFields, m.minor >= 27);
  }
});

Deno.test("DEFAULT_KUBERNETES_VERSION is the latest patch of the newest minor", () => {
  const v = parsePatch(DEFAULT_KUBERNETES_VERSION);
  assert.equal(v.minor, NEWEST_MINOR);
  assert.equal(DEFAULT_KUBERNETES_VERSION, minorInfo(NEWEST_MINOR).latestPatch);
});
