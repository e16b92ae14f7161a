/**
 * The API objects of `kadm init` (lib/objects): v1.20 equal to kubeadm v1.20.2's dry-run transcript,
 * hashes recomputed, v1.24 hashes from a real v1.24.3 dry run, v1.34 goldens, and the per-minor switches.
 */
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { referenceConfig, withCluster } from "./support/context.ts";
import { minorInfo, NEWEST_MINOR, OLDEST_MINOR } from "../lib/versions.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import type { InitConfig } from "../lib/model.ts";
import {
  bootstrapTokenObjects,
  certsOwnerSecret,
  certsToUpload,
  clusterAdminsBinding,
  clusterInfoObjects,
  configMapChecksum,
  corednsObjects,
  decryptBytes,
  type KubeObject,
  kubeProxyObjects,
  markControlPlanePatch,
  uploadCertsObjects,
  uploadConfigObjects,
} from "../lib/objects/mod.ts";

const TRANSCRIPT = new URL("../../shared/reference/kubeadm-v1.20.2/init-dry-run.txt", import.meta.url);
const HOST = { hostname: "master-1", systemdResolved: false };
/** The transcript's token expiration is 2026-11-29T12:37:41Z, 24h after this instant. */
const NOW = new Date("2026-11-28T12:37:41Z");

interface Transcript {
  readonly lines: string[];
  /** `[dryrun] Attached object:` blocks, tab indent stripped. */
  readonly objects: string[];
  /** `[dryrun] Attached patch:` bodies. */
  readonly patches: string[];
}

function readTranscript(): Transcript {
  const lines = Deno.readTextFileSync(TRANSCRIPT).split("\n");
  const objects: string[] = [];
  const patches: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === "[dryrun] Attached patch:") patches.push(lines[i + 1]!.slice(1));
    if (l !== "[dryrun] Attached object:") continue;
    const block: string[] = [];
    while (lines[i + 1]?.startsWith("\t")) block.push(lines[++i]!.slice(1));
    objects.push(block.join("\n") + "\n");
  }
  return { lines, objects, patches };
}

/** The CA PEM kubeadm put in cluster-info (so the comparison needs no normalizing). */
function transcriptCA(t: Transcript): string {
  const m = /certificate-authority-data: (\S+)/.exec(t.objects.join(""));
  return new TextDecoder().decode(Uint8Array.from(atob(m![1]!), (c) => c.charCodeAt(0)));
}

function v120Objects(t: Transcript): KubeObject[] {
  const cfg = referenceConfig("v1.20.2");
  const info = minorInfo(20);
  const up = uploadConfigObjects(cfg, info, cfg.nodeRegistration.criSocket, HOST);
  const bt = bootstrapTokenObjects(cfg, info, NOW);
  const ci = clusterInfoObjects(transcriptCA(t), "https://10.0.0.10:6443");
  return [
    ...up.steps.flatMap((s) => s.objects),
    ...bt.steps.flatMap((s) => s.objects),
    ...ci.steps.flatMap((s) => s.objects),
    ...corednsObjects(cfg, info).steps.flatMap((s) => s.objects),
    ...kubeProxyObjects(cfg, info, "https://10.0.0.10:6443").steps.flatMap((s) => s.objects),
  ];
}

Deno.test("every v1.20 object printed as YAML equals kubeadm v1.20.2's dry-run block, in order", () => {
  const t = readTranscript();
  const ours = v120Objects(t).map(toKubeYaml);
  assertEquals(ours.length, t.objects.length);
  ours.forEach((y, i) => assertEquals(y, t.objects[i], `object #${i + 1}`));
});

Deno.test("v1.20 cri-socket and mark-control-plane patches equal the transcript's bodies", () => {
  const t = readTranscript();
  const cfg = referenceConfig("v1.20.2");
  const info = minorInfo(20);
  const up = uploadConfigObjects(cfg, info, cfg.nodeRegistration.criSocket, HOST);
  assertEquals(up.nodeCriSocketPatch?.name, "master-1");
  assertEquals(up.nodeCriSocketPatch?.json, t.patches[0]);
  assertEquals(markControlPlanePatch(cfg, info).patch.json, t.patches[1]);
});

Deno.test("v1.20 phase lines are the ones kubeadm printed", () => {
  const t = readTranscript();
  const cfg = referenceConfig("v1.20.2");
  const info = minorInfo(20);
  const lines = [
    ...uploadConfigObjects(cfg, info, cfg.nodeRegistration.criSocket, HOST).steps.map((s) => s.line),
    ...markControlPlanePatch(cfg, info).lines,
    ...bootstrapTokenObjects(cfg, info, NOW).steps.flatMap((s) => s.line?.split("\n") ?? []),
    ...clusterInfoObjects("", "https://x").steps.map((s) => s.line),
    ...corednsObjects(cfg, info).steps.map((s) => s.line),
    ...kubeProxyObjects(cfg, info, "https://x").steps.map((s) => s.line),
  ].filter((l): l is string => l !== undefined);
  const printed = t.lines.filter((l) => !l.startsWith("[dryrun]") && !l.startsWith("\t"));
  let at = printed.indexOf(lines[0]!);
  for (const l of lines) {
    const next = printed.indexOf(l, at);
    assert(next >= at, `missing or out of order: ${l}`);
    at = next;
  }
});

Deno.test("the component-config hashes recomputed from the v1.20 ConfigMap data equal the transcript's", () => {
  const t = readTranscript();
  const hashes = t.objects.flatMap((o) => /component-config\.hash: (\S+)/.exec(o)?.[1] ?? []);
  assertEquals(hashes, [
    "sha256:0af81a488165c9cf834468fb5bf575c23380eb498a0ef1b55b67d189a6852261",
    "sha256:e3629ccc92dce8ca5fe59bd6adaffa5d9b4d2e545fc93f6ef8c2eaad03e4c195",
  ]);
  const cfg = referenceConfig("v1.20.2");
  const info = minorInfo(20);
  const kubelet = uploadConfigObjects(cfg, info, cfg.nodeRegistration.criSocket, HOST).kubeletConfig;
  const proxy = kubeProxyObjects(cfg, info, "https://10.0.0.10:6443").configMap;
  assertEquals(configMapChecksum(kubelet.data), hashes[0]);
  assertEquals(configMapChecksum(proxy.data), hashes[1]);
  // The algorithm hashes values only, in key order: the kube-proxy one is sha256(config.conf + kubeconfig.conf).
  const manual = createHash("sha256").update(proxy.data["config.conf"]! + proxy.data["kubeconfig.conf"]!)
    .digest("hex");
  assertEquals(`sha256:${manual}`, hashes[1]);
});

/** The cluster of a real kubeadm v1.24.3 dry run (no podSubnet, systemd-resolved, node "devbox"). */
function v124Config(): InitConfig {
  const base = referenceConfig("v1.24.3");
  const cfg = withCluster(base, { networking: { ...base.cluster.networking, podSubnet: "" } });
  return {
    ...cfg,
    localAPIEndpoint: { advertiseAddress: "192.168.47.128", bindPort: 6443 },
    nodeRegistration: {
      ...cfg.nodeRegistration,
      name: "devbox",
      criSocket: "unix:///var/run/cri-dockerd.sock",
    },
  };
}

Deno.test("v1.24 kubelet and kube-proxy hashes equal those of a real kubeadm v1.24.3 dry run", () => {
  const cfg = v124Config();
  const info = minorInfo(24);
  const up = uploadConfigObjects(cfg, info, cfg.nodeRegistration.criSocket, {
    hostname: "devbox",
    systemdResolved: true,
  });
  assertEquals(
    up.kubeletConfig.metadata.annotations?.["kubeadm.kubernetes.io/component-config.hash"],
    "sha256:000a5dd81630f64bd6f310899359dfb9e8818fc8fe011b7fdc0ec73783a42452",
  );
  const proxy = kubeProxyObjects(cfg, info, "https://192.168.47.128:6443").configMap;
  assertEquals(
    proxy.metadata.annotations?.["kubeadm.kubernetes.io/component-config.hash"],
    "sha256:44ecdf4ef9aa8073f53b5929e319bb5614e5c0e99bd31f3ac8b42fcc3c549b28",
  );
  assertEquals(
    up.nodeCriSocketPatch?.json,
    `{"metadata":{"annotations":{"kubeadm.alpha.kubernetes.io/cri-socket":"unix:///var/run/cri-dockerd.sock"}}}`,
  );
  const mark = markControlPlanePatch(cfg, info);
  assertEquals(mark.lines, [
    "[mark-control-plane] Marking the node devbox as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]",
    "[mark-control-plane] Marking the node devbox as control-plane by adding the taints [node-role.kubernetes.io/master:NoSchedule node-role.kubernetes.io/control-plane:NoSchedule]",
  ]);
  assertEquals(
    mark.patch.json,
    `{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"","node.kubernetes.io/exclude-from-external-load-balancers":""}},"spec":{"taints":[{"effect":"NoSchedule","key":"node-role.kubernetes.io/master"},{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane"}]}}`,
  );
});

// ------------------------------------------------------------------ v1.34 goldens

const GOLDEN = new URL("./testdata/objects/v1.34/", import.meta.url);
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

function v134Documents(): Record<string, string> {
  const cfg = referenceConfig("v1.34.7");
  const info = minorInfo(34);
  const server = "https://10.0.0.10:6443";
  const up = uploadConfigObjects(cfg, info, "unix:///run/containerd/containerd.sock", HOST);
  const files: Record<string, KubeObject[]> = {
    "upload-config": up.steps.flatMap((s) => s.objects),
    "cluster-admins": [clusterAdminsBinding()],
    "bootstrap-token": bootstrapTokenObjects(cfg, info, NOW).steps.flatMap((s) => s.objects),
    "cluster-info": clusterInfoObjects(CA_PEM, server).steps.flatMap((s) => s.objects),
    coredns: corednsObjects(cfg, info).steps.flatMap((s) => s.objects),
    "kube-proxy": kubeProxyObjects(cfg, info, server).steps.flatMap((s) => s.objects),
  };
  const out: Record<string, string> = {};
  for (const [name, objs] of Object.entries(files)) out[`${name}.yaml`] = objs.map(toKubeYaml).join("---\n");
  out["mark-control-plane.txt"] =
    [...markControlPlanePatch(cfg, info).lines, markControlPlanePatch(cfg, info).patch.json]
      .join("\n") + "\n";
  return out;
}

Deno.test("v1.34 objects equal the reviewed golden files", async () => {
  const docs = v134Documents();
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.mkdir(GOLDEN, { recursive: true });
    for (const [name, text] of Object.entries(docs)) await Deno.writeTextFile(new URL(name, GOLDEN), text);
  }
  for (const [name, text] of Object.entries(docs)) {
    assertEquals(text, await Deno.readTextFile(new URL(name, GOLDEN)), name);
  }
});

Deno.test("v1.34 writes no cri-socket annotation: NodeLocalCRISocket is on by default", () => {
  const cfg = referenceConfig("v1.34.7");
  const info = minorInfo(34);
  assertEquals(uploadConfigObjects(cfg, info, "unix:///x.sock", HOST).nodeCriSocketPatch, undefined);
  const off = withCluster(cfg, { featureGates: { NodeLocalCRISocket: false } });
  assertEquals(
    uploadConfigObjects(off, info, "unix:///x.sock", HOST).nodeCriSocketPatch?.json,
    `{"metadata":{"annotations":{"kubeadm.alpha.kubernetes.io/cri-socket":"unix:///x.sock"}}}`,
  );
});

Deno.test("v1.34 objects follow the modern kubeadm shapes", () => {
  const cfg = referenceConfig("v1.34.7");
  const info = minorInfo(34);
  const up = uploadConfigObjects(cfg, info, "unix:///run/containerd/containerd.sock", HOST);
  assertEquals(up.kubeadmConfig.data.ClusterStatus, undefined);
  assertMatch(up.kubeadmConfig.data.ClusterConfiguration!, /apiVersion: kubeadm\.k8s\.io\/v1beta4/);
  assertEquals(up.kubeletConfig.metadata.name, "kubelet-config");
  assertEquals(up.kubeletRole.metadata.name, "kubeadm:kubelet-config");
  const dns = corednsObjects(cfg, info);
  const yaml = toKubeYaml(dns.deployment);
  assertMatch(yaml, /image: registry\.k8s\.io\/coredns\/coredns:v1\.12\.1/);
  assertMatch(yaml, /podAntiAffinity/);
  assertMatch(yaml, /- ALL\n/);
  assertMatch(yaml, /port: liveness-probe/);
  assert(!yaml.includes("node-role.kubernetes.io/master"));
  assertEquals((dns.service.metadata.labels ?? {})["kubernetes.io/name"], "CoreDNS");
  const proxy = kubeProxyObjects(cfg, info, "https://10.0.0.10:6443");
  assertMatch(proxy.configMap.data["config.conf"]!, /clusterCIDR: 10\.244\.0\.0\/16/);
  assertMatch(proxy.configMap.data["config.conf"]!, /nftables:/);
  assertEquals(proxy.steps[0]!.objects.map((o) => o.kind), [
    "ConfigMap",
    "DaemonSet",
    "ServiceAccount",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
  ]);
});

// ------------------------------------------------------------------ per-minor switches

/** minor -> [CP label count, first taint, kubelet-config name, cluster-admins, CoreDNS image, nodes get, slices]. */
const EXPECTED: Record<number, readonly [number, string, string, boolean, string, boolean, boolean]> = {
  20: [2, "master", "kubelet-config-1.20", false, "k8s.gcr.io/coredns:1.7.0", true, false],
  21: [3, "master", "kubelet-config-1.21", false, "k8s.gcr.io/coredns/coredns:v1.8.0", true, false],
  22: [3, "master", "kubelet-config-1.22", false, "k8s.gcr.io/coredns/coredns:v1.8.4", true, true],
  23: [3, "master", "kubelet-config-1.23", false, "k8s.gcr.io/coredns/coredns:v1.8.6", true, true],
  24: [2, "master", "kubelet-config", false, "k8s.gcr.io/coredns/coredns:v1.8.6", true, true],
  25: [2, "control-plane", "kubelet-config", false, "registry.k8s.io/coredns/coredns:v1.9.3", true, true],
  26: [2, "control-plane", "kubelet-config", false, "registry.k8s.io/coredns/coredns:v1.9.3", true, true],
  27: [2, "control-plane", "kubelet-config", false, "registry.k8s.io/coredns/coredns:v1.10.1", true, true],
  28: [2, "control-plane", "kubelet-config", false, "registry.k8s.io/coredns/coredns:v1.10.1", false, true],
  29: [2, "control-plane", "kubelet-config", true, "registry.k8s.io/coredns/coredns:v1.11.1", false, true],
  30: [2, "control-plane", "kubelet-config", true, "registry.k8s.io/coredns/coredns:v1.11.1", false, true],
  31: [2, "control-plane", "kubelet-config", true, "registry.k8s.io/coredns/coredns:v1.11.1", false, true],
  32: [2, "control-plane", "kubelet-config", true, "registry.k8s.io/coredns/coredns:v1.11.3", false, true],
  33: [2, "control-plane", "kubelet-config", true, "registry.k8s.io/coredns/coredns:v1.12.0", false, true],
  34: [2, "control-plane", "kubelet-config", true, "registry.k8s.io/coredns/coredns:v1.12.1", false, true],
};

Deno.test("every minor from 1.20 to 1.34 switches labels, taints, names, bindings and CoreDNS as kubeadm", () => {
  for (let m = OLDEST_MINOR; m <= NEWEST_MINOR; m++) {
    const [labelCount, taint, kubeletCM, admins, image, nodesGet, slices] = EXPECTED[m]!;
    const cfg = referenceConfig(`v1.${m}.0`);
    const info = minorInfo(m);
    const mark = markControlPlanePatch(cfg, info);
    assertEquals(mark.labels.length, labelCount, `v1.${m} labels`);
    assertEquals(mark.taints[0]?.key, `node-role.kubernetes.io/${taint}`, `v1.${m} taint`);
    assertEquals(mark.labels.includes("node.kubernetes.io/exclude-from-external-load-balancers"), m >= 21);
    const up = uploadConfigObjects(cfg, info, "/run/containerd/containerd.sock", HOST);
    assertEquals(up.kubeletConfig.metadata.name, kubeletCM, `v1.${m} kubelet-config`);
    assertEquals(up.kubeadmConfig.data.ClusterStatus !== undefined, m <= 21, `v1.${m} ClusterStatus`);
    assertEquals(up.nodeCriSocketPatch !== undefined, m <= 33, `v1.${m} cri-socket annotation`);
    assertEquals(info.superAdmin, admins, `v1.${m} cluster-admins`);
    const dns = corednsObjects(cfg, info);
    const yaml = toKubeYaml(dns.deployment);
    assertMatch(yaml, new RegExp(`image: ${image.replaceAll(".", "\\.")}\n`), `v1.${m} CoreDNS image`);
    const rules = toKubeYaml(dns.clusterRole);
    assertEquals(rules.includes("- nodes\n"), nodesGet, `v1.${m} nodes get`);
    assertEquals(rules.includes("endpointslices"), slices, `v1.${m} endpointslices`);
    assertEquals(yaml.includes("- ALL\n"), m >= 29, `v1.${m} drop ALL`);
    assertEquals(yaml.includes("node-role.kubernetes.io/master"), m <= 25, `v1.${m} master toleration`);
    assertEquals(yaml.includes("podAntiAffinity"), m >= 25, `v1.${m} anti-affinity`);
    const lines = bootstrapTokenObjects(cfg, info, NOW).steps.map((s) => s.line ?? "").join("\n");
    assertMatch(lines, m >= 24 ? /Configured RBAC/ : /configured RBAC/, `v1.${m} Configured`);
    const ds = toKubeYaml(kubeProxyObjects(cfg, info, "https://10.0.0.10:6443").daemonSet);
    assertEquals(ds.includes("CriticalAddonsOnly"), m <= 21, `v1.${m} kube-proxy tolerations`);
  }
});

Deno.test("UnversionedKubeletConfigMap renames the kubelet ConfigMap on v1.22 and v1.23", () => {
  const cfg = withCluster(referenceConfig("v1.23.4"), {
    featureGates: { UnversionedKubeletConfigMap: true },
  });
  const up = uploadConfigObjects(cfg, minorInfo(23), "/run/containerd/containerd.sock", HOST);
  assertEquals(up.kubeletConfig.metadata.name, "kubelet-config");
  assertEquals(up.kubeletRoleBinding.metadata.name, "kubeadm:kubelet-config");
});

Deno.test("the cluster-admins binding gives Group kubeadm:cluster-admins the cluster-admin role", () => {
  assertEquals(clusterAdminsBinding(), {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "kubeadm:cluster-admins", creationTimestamp: null },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "Group", name: "kubeadm:cluster-admins" }],
  });
});

// ------------------------------------------------------------------ tokens, taints, user configs

const decode = (b: string) => new TextDecoder().decode(Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));

Deno.test("a token Secret carries its description, omits the expiration when the TTL is 0, and honours expires", () => {
  const base = referenceConfig("v1.34.7");
  const cfg: InitConfig = {
    ...base,
    bootstrapTokens: [
      {
        ...base.bootstrapTokens[0]!,
        description: "The default bootstrap token generated by 'kubeadm init'.",
        ttl: 0,
      },
      {
        token: "zyxwvu.9876543210zyxwvu",
        description: "",
        ttl: 0,
        expires: "2030-01-02T03:04:05+02:00",
        usages: ["authentication"],
        groups: ["system:bootstrappers:a", "system:bootstrappers:b"],
        generated: false,
      },
    ],
  };
  const [a, b] = bootstrapTokenObjects(cfg, minorInfo(34), NOW).secrets;
  assertEquals(decode(a!.data.description!), "The default bootstrap token generated by 'kubeadm init'.");
  assertEquals(a!.data.expiration, undefined);
  assertEquals(b!.metadata.name, "bootstrap-token-zyxwvu");
  assertEquals(decode(b!.data.expiration!), "2030-01-02T01:04:05Z");
  assertEquals(decode(b!.data["auth-extra-groups"]!), "system:bootstrappers:a,system:bootstrappers:b");
  assertEquals(b!.data["usage-bootstrap-signing"], undefined);
  assertEquals(decode(b!.data["usage-bootstrap-authentication"]!), "true");
});

Deno.test("mark-control-plane uses the configured taints, keeps existing ones and skips the taint line when none", () => {
  const base = referenceConfig("v1.34.7");
  const custom: InitConfig = {
    ...base,
    nodeRegistration: {
      ...base.nodeRegistration,
      taints: [{ key: "dedicated", value: "infra", effect: "NoExecute" }],
    },
  };
  const m = markControlPlanePatch(custom, minorInfo(34), [{
    key: "node.kubernetes.io/not-ready",
    effect: "NoSchedule",
  }]);
  assertMatch(m.lines[1]!, /adding the taints \[dedicated=infra:NoExecute\]$/);
  assertEquals(
    m.patch.json,
    `{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"","node.kubernetes.io/exclude-from-external-load-balancers":""}},"spec":{"taints":[{"effect":"NoSchedule","key":"node.kubernetes.io/not-ready"},{"effect":"NoExecute","key":"dedicated","value":"infra"}]}}`,
  );
  const none: InitConfig = { ...base, nodeRegistration: { ...base.nodeRegistration, taints: [] } };
  const n = markControlPlanePatch(none, minorInfo(34));
  assertEquals(n.lines.length, 1);
  assert(!n.patch.json.includes("spec"));
});

Deno.test("a user KubeProxyConfiguration is merged under kubeadm's defaults and is not signed", () => {
  const cfg: InitConfig = {
    ...referenceConfig("v1.34.7"),
    kubeProxyConfiguration: {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      mode: "ipvs",
      ipvs: { strictARP: true },
      clusterCIDR: "10.200.0.0/16",
    },
  };
  const cm = kubeProxyObjects(cfg, minorInfo(34), "https://10.0.0.10:6443").configMap;
  const conf = cm.data["config.conf"]!;
  assertMatch(conf, /^mode: ipvs$/m);
  assertMatch(conf, /^  strictARP: true$/m);
  assertMatch(conf, /^  scheduler: ""$/m);
  assertMatch(conf, /^clusterCIDR: 10\.200\.0\.0\/16$/m);
  assertMatch(conf, /^bindAddress: 0\.0\.0\.0$/m);
  assertEquals(cm.metadata.annotations, undefined);
  const kubelet: InitConfig = { ...cfg, kubeletConfiguration: { cgroupDriver: "cgroupfs" } };
  const up = uploadConfigObjects(kubelet, minorInfo(34), "unix:///x.sock", HOST);
  assertEquals(up.kubeletConfig.metadata.annotations, undefined);
});

// ------------------------------------------------------------------ upload-certs

Deno.test("upload-certs encrypts each file as nonce || AES-256-GCM ciphertext || tag that WebCrypto opens", async () => {
  const cfg = referenceConfig("v1.34.7");
  const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const files = new Map(
    certsToUpload(cfg).map((c) => [c.key, new TextEncoder().encode(`contents of ${c.path}`)]),
  );
  files.delete("sa.pub");
  const out = uploadCertsObjects({
    cfg,
    certificateKey: key,
    files,
    owner: { name: "bootstrap-token-abcdef", uid: "u-1" },
  });
  assertEquals(Object.keys(out.secret.data).sort(), [
    "ca.crt",
    "ca.key",
    "etcd-ca.crt",
    "etcd-ca.key",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
    "sa.key",
  ]);
  const keyBytes = Uint8Array.from(key.match(/../g)!.map((h) => parseInt(h, 16)));
  const webKey = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  const sealed = Uint8Array.from(atob(out.secret.data["etcd-ca.key"]!), (c) => c.charCodeAt(0));
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: sealed.subarray(0, 12) },
    webKey,
    sealed.subarray(12),
  );
  assertEquals(new TextDecoder().decode(plain), "contents of /etc/kubernetes/pki/etcd/ca.key");
  assertEquals(
    new TextDecoder().decode(decryptBytes(sealed, keyBytes)),
    "contents of /etc/kubernetes/pki/etcd/ca.key",
  );
  assertEquals(out.secret.metadata.ownerReferences?.[0], {
    apiVersion: "v1",
    blockOwnerDeletion: true,
    controller: true,
    kind: "Secret",
    name: "bootstrap-token-abcdef",
    uid: "u-1",
  });
  assertEquals(toKubeYaml(out.roleBinding).includes("system:bootstrappers:kubeadm:default-node-token"), true);
  const owner = certsOwnerSecret("abcdef.0123456789abcdef", NOW);
  assertEquals(decode(owner.data.expiration!), "2026-11-28T14:37:41Z");
  assertEquals(Object.keys(owner.data).sort(), ["description", "expiration", "token-id", "token-secret"]);
});

Deno.test("v1.21 - v1.23 list the master label with (deprecated), v1.24 drops it", () => {
  const head = "[mark-control-plane] Marking the node reference-host as control-plane by adding the labels: ";
  for (const m of [21, 22, 23]) {
    const cfg = referenceConfig(`v1.${m}.0`);
    assertEquals(
      markControlPlanePatch(cfg, minorInfo(m)).lines[0]?.replace(/node .* as/, "node reference-host as"),
      head +
        "[node-role.kubernetes.io/master(deprecated) node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]",
      `v1.${m}`,
    );
  }
  const line24 = markControlPlanePatch(referenceConfig("v1.24.0"), minorInfo(24)).lines[0] ?? "";
  assertMatch(
    line24,
    /labels: \[node-role\.kubernetes\.io\/control-plane node\.kubernetes\.io\/exclude-from-external-load-balancers\]$/,
  );
});
