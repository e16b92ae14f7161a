/**
 * Self-hosting's pure parts: the DaemonSets built from every minor's static Pods, the Secret-backed
 * volumes of StoreCertsInSecrets (checked by rebuilding the certificate folder a Pod would see and
 * verifying it with openssl), the record, and the config gates.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "./_std.ts";
import { assertCertSignedBy, assertKeyMatchesCert, tempDir } from "./_assert.ts";
import { referenceConfig, testContext, withCluster } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";
import { minorInfo, MINORS } from "../lib/versions.ts";
import { renderControlPlanePods } from "../lib/manifests/controlplane.ts";
import {
  asStaticPod,
  buildDaemonSet,
  certFilesOf,
  certSecret,
  certSecretPlan,
  kubeconfigSecret,
  SELF_HOSTED_COMPONENTS,
  SELF_HOSTED_KUBECONFIG_DIR,
  selfHostingNode,
  type StaticPod,
} from "../lib/selfhosting.ts";
import { EMPTY_STATE, parseState, renderState, withSelfHosted } from "../lib/state.ts";
import { loadInitConfig } from "../lib/config/mod.ts";
import { runInitPhase } from "../cli/init.ts";
import { memoryLogger } from "../lib/log.ts";
import { renderStoredClusterConfiguration } from "../lib/config/render.ts";
import type { InitConfig } from "../lib/model.ts";

type Obj = Record<string, unknown>;
const HOST = { caDirsPresent: new Set<string>(), proxyEnv: [], externalCA: false };

function staticPods(cfg: InitConfig): Record<string, StaticPod> {
  const info = minorInfo(Number(cfg.cluster.kubernetesVersion.split(".")[1]));
  const pods = renderControlPlanePods(cfg, info, HOST);
  return Object.fromEntries(
    SELF_HOSTED_COMPONENTS.map((c) => [c, asStaticPod(structuredClone(pods[c]), `${c}.yaml`)]),
  );
}

function cfgFor(minor: number): InitConfig {
  const cfg = referenceConfig(`v1.${minor}.0`);
  return { ...cfg, nodeRegistration: { ...cfg.nodeRegistration, name: "master-1" } };
}

const tmpl = (ds: Obj) => ((ds.spec as Obj).template as Obj);
const podSpec = (ds: Obj) => tmpl(ds).spec as Obj & { containers: Obj[]; volumes: Obj[] };

Deno.test("every minor's DaemonSets select their own Pods on this control-plane node and tolerate its taints", () => {
  for (const m of MINORS) {
    const cfg = cfgFor(m.minor);
    const node = selfHostingNode(cfg, m);
    const pods = staticPods(cfg);
    for (const c of SELF_HOSTED_COMPONENTS) {
      const ds = buildDaemonSet(c, pods[c]!, { node, storeCertsInSecrets: false });
      const where = `v1.${m.minor} ${c}`;
      assertEquals(ds.metadata, {
        name: `self-hosted-${c}`,
        namespace: "kube-system",
        labels: { "k8s-app": `self-hosted-${c}` },
      }, where);
      const spec = ds.spec as Obj;
      assertEquals(spec.selector, { matchLabels: { "k8s-app": `self-hosted-${c}` } }, where);
      const labels = (tmpl(ds).metadata as Obj).labels as Record<string, string>;
      assertEquals(labels["k8s-app"], `self-hosted-${c}`, where);
      // kubeadm (v1.19+) finds API endpoints by these labels on the API server's Pods.
      assertEquals([labels.component, labels.tier], [c, "control-plane"], where);
      const ps = podSpec(ds);
      assert(m.controlPlaneLabels.some((l) => Object.hasOwn(ps.nodeSelector as Obj, l)), where);
      assertEquals((ps.nodeSelector as Obj)["kubernetes.io/hostname"], "master-1", where);
      for (const t of m.controlPlaneTaints) {
        assert(
          (ps.tolerations as Obj[]).some((x) =>
            x.key === t.key && x.operator === "Exists" && x.effect === t.effect
          ),
          `${where}: taint ${t.key} not tolerated`,
        );
      }
      assertEquals([ps.hostNetwork, ps.dnsPolicy], [true, "ClusterFirstWithHostNet"], where);
      assertEquals(spec.updateStrategy, { type: "RollingUpdate" }, where);
      // Without StoreCertsInSecrets the containers and volumes are the static Pod's.
      assertEquals(ps.containers, pods[c]!.spec.containers, where);
      assertEquals(ps.volumes, pods[c]!.spec.volumes, where);
    }
  }
});

Deno.test("the API server's DaemonSet keeps the configured advertise address and annotation", () => {
  const cfg = cfgFor(34);
  const pod = staticPods(cfg)["kube-apiserver"]!;
  const ds = buildDaemonSet("kube-apiserver", pod, {
    node: selfHostingNode(cfg, minorInfo(34)),
    storeCertsInSecrets: false,
  });
  const cmd = podSpec(ds).containers[0]!.command as string[];
  assert(cmd.includes(`--advertise-address=${cfg.localAPIEndpoint.advertiseAddress}`));
  assertEquals(
    ((tmpl(ds).metadata as Obj).annotations as Obj)[
      "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"
    ],
    `${cfg.localAPIEndpoint.advertiseAddress}:${cfg.localAPIEndpoint.bindPort}`,
  );
});

Deno.test("custom taints are tolerated instead of the default ones", () => {
  const base = cfgFor(34);
  const cfg = {
    ...base,
    nodeRegistration: {
      ...base.nodeRegistration,
      taints: [{ key: "dedicated", value: "cp", effect: "NoExecute" }],
    },
  } as InitConfig;
  const ds = buildDaemonSet("kube-scheduler", staticPods(cfg)["kube-scheduler"]!, {
    node: selfHostingNode(cfg, minorInfo(34)),
    storeCertsInSecrets: false,
  });
  assertEquals(podSpec(ds).tolerations, [{ key: "dedicated", operator: "Exists", effect: "NoExecute" }]);
});

Deno.test("with StoreCertsInSecrets every file a component's flags name is projected from a Secret, for every minor", () => {
  for (const m of MINORS) {
    const cfg = cfgFor(m.minor);
    const pods = staticPods(cfg);
    const plans = new Map(certSecretPlan(Object.values(pods)).map((p) => [p.name, p.files]));
    for (const c of SELF_HOSTED_COMPONENTS) {
      const where = `v1.${m.minor} ${c}`;
      const ds = buildDaemonSet(c, pods[c]!, { node: selfHostingNode(cfg, m), storeCertsInSecrets: true });
      const ps = podSpec(ds);
      const cmd = ps.containers[0]!.command as string[];
      const certs = ps.volumes.find((v) => v.name === "k8s-certs");
      const files = cmd.map((a) => /^--[^=]+=\/etc\/kubernetes\/pki\/(.+)$/.exec(a)?.[1]).filter((f) => f);
      if (files.length > 0) {
        assert(certs && !("hostPath" in certs), `${where}: k8s-certs is still a hostPath`);
        const sources = (certs.projected as Obj).sources as { secret: { name: string; items: Obj[] } }[];
        for (const f of files) {
          const src = sources.find((s) => s.secret.items.some((i) => i.path === f));
          assert(src, `${where}: ${f} is not projected`);
          const item = src.secret.items.find((i) => i.path === f)!;
          assertEquals(plans.get(src.secret.name)?.[item.key as "tls.crt"], f, `${where}: ${f} not uploaded`);
        }
      }
      const kc = ps.volumes.find((v) => v.name === "kubeconfig");
      if (c === "kube-apiserver") {
        assertEquals(kc, undefined, where);
        continue;
      }
      const file = c === "kube-scheduler" ? "scheduler.conf" : "controller-manager.conf";
      assertEquals(kc, { name: "kubeconfig", secret: { secretName: file, defaultMode: 0o600 } }, where);
      const mount = (ps.containers[0]!.volumeMounts as Obj[]).find((v) => v.name === "kubeconfig")!;
      assertEquals(mount.mountPath, SELF_HOSTED_KUBECONFIG_DIR, where);
      for (const flag of ["kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig"]) {
        assert(cmd.includes(`--${flag}=${SELF_HOSTED_KUBECONFIG_DIR}/${file}`), `${where}: --${flag}`);
      }
      assert(!cmd.some((a) => a.endsWith(`=/etc/kubernetes/${file}`)), where);
    }
  }
});

Deno.test("only the keys the components read are uploaded: no etcd or front-proxy CA key", () => {
  const plans = certSecretPlan(Object.values(staticPods(cfgFor(34))));
  const byName = Object.fromEntries(plans.map((p) => [p.name, p.files]));
  assertEquals(byName["ca"], { "tls.crt": "ca.crt", "tls.key": "ca.key" });
  assertEquals(byName["sa"], { "tls.crt": "sa.pub", "tls.key": "sa.key" });
  assertEquals(byName["etcd-ca"], { "tls.crt": "etcd/ca.crt" });
  assertEquals(byName["front-proxy-ca"], { "tls.crt": "front-proxy-ca.crt" });
  assertEquals(Object.keys(byName).sort(), [
    "apiserver",
    "apiserver-etcd-client",
    "apiserver-kubelet-client",
    "ca",
    "etcd-ca",
    "front-proxy-ca",
    "front-proxy-client",
    "sa",
  ]);
  const sec = certSecret({ name: "etcd-ca", files: { "tls.crt": "etcd/ca.crt" } }, () => "x");
  assertEquals(sec.type, "Opaque");
  assertEquals(
    certSecret({ name: "sa", files: { "tls.crt": "a", "tls.key": "b" } }, () => "x").type,
    "kubernetes.io/tls",
  );
  assertEquals(kubeconfigSecret("scheduler.conf", "abc").data, { "scheduler.conf": btoa("abc") });
});

Deno.test("the certificate folder a self-hosted API server sees from its Secrets verifies with openssl", async () => {
  await using dir = await tempDir();
  const cfg = withCluster(cfgFor(34), { certificatesDir: "/etc/kubernetes/pki" });
  const log = memoryLogger();
  await runInitPhase(["certs", "all"], {
    rootfs: dir.path,
    kubernetesVersion: "v1.34.7",
    apiserverAdvertiseAddress: "127.0.0.1",
    nodeName: "master-1",
  }, log);
  const pki = `${dir.path}/etc/kubernetes/pki`;
  const pod = staticPods(cfg)["kube-apiserver"]!;
  const secrets = new Map(
    certSecretPlan([pod]).map((
      p,
    ) => [p.name, certSecret(p, (rel) => Deno.readTextFileSync(`${pki}/${rel}`))]),
  );
  const ds = buildDaemonSet("kube-apiserver", pod, {
    node: selfHostingNode(cfg, minorInfo(34)),
    storeCertsInSecrets: true,
  });
  // What the kubelet would write into the projected volume.
  const seen = `${dir.path}/seen`;
  const vol = podSpec(ds).volumes.find((v) => v.name === "k8s-certs")!;
  for (const s of (vol.projected as Obj).sources as { secret: { name: string; items: Obj[] } }[]) {
    const data = secrets.get(s.secret.name)!.data as Record<string, string>;
    for (const i of s.secret.items) {
      const target = `${seen}/${i.path}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(target, atob(data[i.key as string]!));
    }
  }
  const now = new Date();
  await assertCertSignedBy(`${seen}/apiserver.crt`, `${seen}/ca.crt`, now);
  await assertCertSignedBy(`${seen}/apiserver-kubelet-client.crt`, `${seen}/ca.crt`, now);
  await assertCertSignedBy(`${seen}/front-proxy-client.crt`, `${seen}/front-proxy-ca.crt`, now);
  await assertCertSignedBy(`${seen}/apiserver-etcd-client.crt`, `${seen}/etcd/ca.crt`, now);
  await assertKeyMatchesCert(`${seen}/apiserver.key`, `${seen}/apiserver.crt`);
  assertEquals(await Deno.readTextFile(`${seen}/sa.key`), await Deno.readTextFile(`${pki}/sa.key`));
  assertEquals(await Deno.readTextFile(`${seen}/sa.pub`), await Deno.readTextFile(`${pki}/sa.pub`));
  // Every file the API server's flags name is there.
  for (const f of certFilesOf(pod)) await Deno.stat(`${seen}/${f.path}`);
});

Deno.test("kadm's record keeps the self-hosted components and refuses a malformed list", () => {
  const s = withSelfHosted(withSelfHosted(EMPTY_STATE, "kube-apiserver", true), "kube-scheduler", true);
  const back = parseState(renderState(s), "/p/.kadm-state.json");
  assertEquals(back.selfHosted, ["kube-apiserver", "kube-scheduler"]);
  assertEquals(withSelfHosted(back, "kube-apiserver", false).selfHosted, ["kube-scheduler"]);
  // Nothing self-hosted: the file is as before self-hosting existed.
  assert(!renderState(EMPTY_STATE).includes("selfHosted"));
  assertThrows(
    () => parseState('{"version":1,"selfHosted":[1]}', "/p/.kadm-state.json"),
    /^Invalid kadm state file \/p\/.kadm-state.json: malformed selfHosted/,
  );
});

Deno.test("a manifest that is not a Pod is refused naming the file", () => {
  assertThrows(
    () => asStaticPod({ kind: "Deployment" }, "/etc/kubernetes/manifests/kube-apiserver.yaml"),
    /^Invalid static Pod manifest \/etc\/kubernetes\/manifests\/kube-apiserver.yaml: not a v1 Pod; write it again/,
  );
  assertThrows(
    () => asStaticPod({ apiVersion: "v1", kind: "Pod", spec: { containers: [] } }, "/m/x.yaml"),
    /spec.containers is empty/,
  );
});

const host = {
  hostname: () => "master-1",
  advertiseAddress: () => "10.0.0.10",
  randomToken: () => "abcdef.0123456789abcdef",
};

Deno.test("the self-hosting gates work on every minor and are never stored in kubeadm-config", () => {
  for (const m of [20, 27, 34]) {
    const { cfg } = loadInitConfig({
      flags: { kubernetesVersion: `v1.${m}.0`, featureGates: "SelfHosting=true,StoreCertsInSecrets=true" },
      host,
    });
    assertEquals(cfg.cluster.featureGates, { SelfHosting: true, StoreCertsInSecrets: true });
    const api = minorInfo(m).configAPI;
    const stored = renderStoredClusterConfiguration(cfg, api).yaml;
    assert(!/SelfHosting|StoreCertsInSecrets/.test(stored), `v1.${m}: ${stored}`);
  }
});

Deno.test("v1alpha1 selfHosted: true turns self-hosting on", () => {
  const text = Deno.readTextFileSync(new URL("./testdata/config/reference-v1alpha1.yaml", import.meta.url)) +
    "selfHosted: true\n";
  const { cfg } = loadInitConfig({ configText: text, flags: {}, host });
  assertEquals(cfg.cluster.featureGates.SelfHosting, true);
});

Deno.test("init phase selfhosting says why it does nothing when the gate is off", async () => {
  await using dir = await tempDir();
  const log = memoryLogger();
  await runInitPhase(["selfhosting"], { rootfs: dir.path, kubernetesVersion: "v1.34.7", nodeName: "m" }, log);
  assertEquals(log.lines, [
    "[self-hosted] Skipping phase: the SelfHosting feature gate is off (--feature-gates=SelfHosting=true)",
  ]);
  const ctx = testContext({ root: dir.path, keys: testKeySource() });
  assertMatch(ctx.minor.phaseOrder.join(","), /addon,selfhosting/);
});
