/**
 * Self-hosting end to end: `kadm init` with SelfHosting (and StoreCertsInSecrets) against the test API
 * server with a simulated kubelet + DaemonSet controller (tests/support/kubelet_sim.ts) that runs what
 * the manifests folder and the DaemonSets ask for. Covers the hand-over, re-runs, a failed hand-over
 * (rolled back), and recovery after a "reboot" (the API server gone with its static manifest).
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { e2eEnv, type E2eVersion, NODE, phaseInProcess, within } from "./support/e2e.ts";
import { startKubeletSim } from "./support/kubelet_sim.ts";
import type { TestApiServer } from "./support/apiserver.ts";
import { readState } from "../lib/state.ts";

const COMPONENTS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];
const DS = (c: string) => `/apis/apps/v1/namespaces/kube-system/daemonsets/self-hosted-${c}`;
const mirror = (c: string) => `/api/v1/namespaces/kube-system/pods/${c}-${NODE}`;

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

function dsPods(api: TestApiServer, c: string) {
  return api.list("/api/v1/namespaces/kube-system/pods").filter((p) =>
    p.metadata.labels?.["k8s-app"] === `self-hosted-${c}`
  );
}

const ready = (p: { status?: { conditions?: { type: string; status: string }[] } }) =>
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

async function selfHostedEnv(
  version: E2eVersion,
  gates: Record<string, boolean>,
  timeouts?: Record<string, string>,
) {
  const env = await e2eEnv(version);
  const api = await env.startApi();
  await env.writeConfig({ apiPort: api.port, featureGates: gates, ...(timeouts ? { timeouts } : {}) });
  const manifests = join(env.root, "etc/kubernetes/manifests");
  return { env, api, manifests, pki: join(env.root, "etc/kubernetes/pki") };
}

for (const version of ["v1.20.2", "v1.34.7"] as const) {
  Deno.test(`${version}: init hands the control plane over to DaemonSets, with the certificates in Secrets`, async () => {
    const { env, api, manifests, pki } = await selfHostedEnv(version, {
      SelfHosting: true,
      StoreCertsInSecrets: true,
    });
    await using _env = env;
    await using _api = api;
    await using node = startKubeletSim(api, { nodeName: NODE, manifestsDir: manifests });
    const r = await env.init();
    if (r.error) throw new Error(`init failed: ${r.error.message}\n${node.events.slice(-20).join("\n")}`);
    const handed = r.lines.filter((l) =>
      /^\[self-hosted\] self-hosted kube-.* ready after \d+\.\d{6} seconds$/.test(l)
    );
    assertEquals(handed.map((l) => l.split(" ")[2]), COMPONENTS, "hand-over order");
    // The hand-over happens after the addons; the join command still ends the run.
    const idx = (re: RegExp) => r.lines.findIndex((l) => re.test(l));
    assert(idx(/Applied essential addon: kube-proxy/) < idx(/Creating self-hosted control plane/));
    assert(idx(/self-hosted kube-scheduler ready/) < idx(/has initialized successfully/));

    for (const c of COMPONENTS) {
      assert(!(await exists(join(manifests, `${c}.yaml`))), `${c}.yaml still there`);
      assert(api.get(DS(c)), `no DaemonSet for ${c}`);
      assertEquals(api.get(mirror(c)), undefined, `mirror Pod of ${c} still there`);
      const pods = dsPods(api, c);
      assertEquals(pods.length, 1, c);
      assert(ready(pods[0]!), `${c}'s Pod is not Ready`);
    }
    assert(await exists(join(manifests, "etcd.yaml")), "etcd stays a static Pod");
    assert(api.get(mirror("etcd")), "etcd's mirror Pod");
    assertEquals((await readState(pki)).selfHosted, COMPONENTS);

    // The Secrets hold the files on disk; the DaemonSets mount them, not the host's folder.
    const secret = (n: string) => api.get(`/api/v1/namespaces/kube-system/secrets/${n}`);
    assertEquals(secret("ca")?.type, "kubernetes.io/tls");
    assertEquals(atob(secret("ca")!.data["tls.key"]), await Deno.readTextFile(join(pki, "ca.key")));
    assertEquals(secret("etcd-ca")?.type, "Opaque");
    assertEquals(Object.keys(secret("etcd-ca")!.data), ["tls.crt"]);
    assertEquals(
      atob(secret("scheduler.conf")!.data["scheduler.conf"]),
      await Deno.readTextFile(join(env.root, "etc/kubernetes/scheduler.conf")),
    );
    const vols = api.get(DS("kube-apiserver"))!.spec.template.spec.volumes as {
      name: string;
      hostPath?: unknown;
    }[];
    assertEquals(vols.find((v) => v.name === "k8s-certs")?.hostPath, undefined);
    // kadm's own gates are not in the stored kubeadm configuration (kubeadm would reject them).
    const stored =
      api.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")!.data.ClusterConfiguration;
    assert(!/SelfHosting|StoreCertsInSecrets/.test(stored));

    // A re-run sees the self-hosted control plane: no static manifest comes back.
    const again = await env.init();
    if (again.error) throw again.error;
    for (const c of COMPONENTS) {
      assert(
        again.lines.includes(
          `[control-plane] "${c}" is self-hosted (DaemonSet kube-system/self-hosted-${c}): its static Pod manifest is not written again`,
        ),
        c,
      );
      assert(
        again.lines.includes(
          `[self-hosted] ${c} is self-hosted already (DaemonSet kube-system/self-hosted-${c}); left as it is`,
        ),
      );
      assert(!(await exists(join(manifests, `${c}.yaml`))), `re-run wrote ${c}.yaml`);
    }
    assert(again.lines.some((l) => l.startsWith("[preflight] Found the control plane kadm set up")));
  });
}

Deno.test("a component that does not become healthy is handed back to its static Pod, and a re-run finishes", async () => {
  const { env, api, manifests, pki } = await selfHostedEnv("v1.34.7", { SelfHosting: true }, {
    controlPlaneComponentHealthCheck: "3s",
  });
  await using _env = env;
  await using _api = api;
  const before = await (async () => {
    await using node = startKubeletSim(api, {
      nodeName: NODE,
      manifestsDir: manifests,
      brokenComponents: ["kube-scheduler"],
    });
    const r = await env.init();
    await node.settled();
    return r;
  })();
  assert(before.error, "init should fail");
  assertMatch(
    before.error.message,
    /The self-hosted kube-scheduler did not become healthy within 3s \(last: Pod self-hosted-kube-scheduler-\w+ is Running, not Ready \(CrashLoopBackOff\)\); its static Pod manifest .*kube-scheduler.yaml was put back/,
  );
  // The first two were handed over; the scheduler runs as a static Pod again.
  assert(!(await exists(join(manifests, "kube-apiserver.yaml"))));
  assert(await exists(join(manifests, "kube-scheduler.yaml")));
  assertEquals((await readState(pki)).selfHosted, ["kube-apiserver", "kube-controller-manager"]);

  await using node = startKubeletSim(api, { nodeName: NODE, manifestsDir: manifests });
  const r = await env.init();
  if (r.error) throw r.error;
  assert(r.lines.some((l) => /^\[self-hosted\] self-hosted kube-scheduler ready after/.test(l)));
  assert(
    !r.lines.some((l) => /self-hosted kube-apiserver ready/.test(l)),
    "the API server was handed over again",
  );
  assertEquals((await readState(pki)).selfHosted, COMPONENTS);
  await node.settled();
  assertEquals(dsPods(api, "kube-scheduler").filter(ready).length, 1);
});

Deno.test("after a reboot, recover starts the static Pods again and hands over again; with the gate off it stays static", async () => {
  const { env, api, manifests, pki } = await selfHostedEnv("v1.34.7", { SelfHosting: true });
  await using _env = env;
  await using _api = api;
  await using node = startKubeletSim(api, { nodeName: NODE, manifestsDir: manifests });
  const first = await env.init();
  if (first.error) throw first.error;

  // The reboot: nothing runs the API server (its Pod came from itself). The test server stands in for
  // it: it drops every request until the static kube-apiserver manifest is back.
  api.faults.dropNext(Infinity);
  const down = await env.init();
  assert(down.error);
  assertMatch(
    down.error.message,
    /kube-apiserver is self-hosted \(DaemonSet kube-system\/self-hosted-kube-apiserver\) and does not answer .*run 'kadm init phase selfhosting recover'/,
  );
  const apiManifest = join(manifests, "kube-apiserver.yaml");
  const up = (async () => {
    while (!(await exists(apiManifest))) await new Promise((r) => setTimeout(r, 50));
    api.faults.clear();
  })();
  const log = await within(
    60_000,
    "recover",
    phaseInProcess(["selfhosting", "recover"], env.root, env.cfgPath),
  );
  await up;
  for (const c of COMPONENTS) {
    assert(
      log.lines.includes(
        `[self-hosted] Wrote the static Pod manifest for "${c}" so the kubelet starts it again`,
      ),
    );
    assert(log.lines.some((l) => l.startsWith(`[self-hosted] self-hosted ${c} ready after`)), c);
    assert(!(await exists(join(manifests, `${c}.yaml`))));
  }
  assertEquals((await readState(pki)).selfHosted, COMPONENTS);

  // Leaving self-hosting: recover with the gate off keeps the static Pods and deletes the DaemonSets.
  await env.writeConfig({ apiPort: api.port });
  const back = await phaseInProcess(["selfhosting", "recover"], env.root, env.cfgPath);
  for (const c of COMPONENTS) {
    assert(await exists(join(manifests, `${c}.yaml`)), c);
    assertEquals(api.get(DS(c)), undefined, c);
  }
  assert(
    back.lines.includes(
      "[self-hosted] The control plane runs from static Pods again (the SelfHosting gate is off)",
    ),
  );
  assertEquals((await readState(pki)).selfHosted, []);
  await node.settled();
  for (const c of COMPONENTS) assertEquals(dsPods(api, c).length, 0, c);
});

Deno.test("init phase selfhosting recover with nothing self-hosted says so", async () => {
  const { env, api } = await selfHostedEnv("v1.34.7", { SelfHosting: true });
  await using _env = env;
  await using _api = api;
  const log = await phaseInProcess(["selfhosting", "recover"], env.root, env.cfgPath);
  assertEquals(log.lines, ["[self-hosted] Nothing to recover: kadm's record lists no self-hosted component"]);
});

Deno.test("with the kubelet's restart back-off (scaled 1:50), every component takes over within the timeout", async () => {
  // 10 s doubling to 5 min against a 4m0s timeout, scaled: 200 ms to 6 s against 5 s.
  const { env, api, manifests, pki } = await selfHostedEnv("v1.34.7", { SelfHosting: true }, {
    controlPlaneComponentHealthCheck: "5s",
  });
  await using _env = env;
  await using _api = api;
  await using node = startKubeletSim(api, {
    nodeName: NODE,
    manifestsDir: manifests,
    crashLoopBackOff: { initialMs: 200, maxMs: 6000 },
  });
  const r = await env.init();
  if (r.error) throw new Error(`init failed: ${r.error.message}\n${node.events.slice(-20).join("\n")}`);
  assertEquals((await readState(pki)).selfHosted, COMPONENTS);
  // The Pods did crash-loop beside the static ones before taking over.
  assert(node.events.some((e) => /not ready \(CrashLoopBackOff\): the static pod of kube-scheduler/.test(e)));
});
