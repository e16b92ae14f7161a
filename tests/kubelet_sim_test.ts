/**
 * The simulated node (kubelet, DaemonSet controller, scheduler) beside the test API server, and the
 * server features self-hosting needs: Pods with graceful deletion, field selectors, DaemonSet and Secret
 * validation. Everything is observed through HTTP as kadm would observe it.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "./_std.ts";
import { startTestApiServer, type TestApiServer } from "./support/apiserver.ts";
import { b64, call, clientFor, tempDir } from "./support/apiserver_client.ts";
import { toleratesAll, toleratesTaint } from "./support/apiserver_pods.ts";
import { type KubeletSim, startKubeletSim } from "./support/kubelet_sim.ts";

const NODE = "master-1";
const ROLE = "node-role.kubernetes.io/control-plane";
const TAINT = { key: ROLE, effect: "NoSchedule" };
const KS = "/api/v1/namespaces/kube-system";
const DS_PATH = "/apis/apps/v1/namespaces/kube-system/daemonsets";

function staticPod(component: string, image = `registry.k8s.io/${component}:v1.10.13`): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${component}`,
    "  namespace: kube-system",
    `  labels: {component: ${component}, tier: control-plane}`,
    "spec:",
    "  hostNetwork: true",
    `  containers: [{name: ${component}, image: "${image}"}]`,
    "",
  ].join("\n");
}

// deno-lint-ignore no-explicit-any
type Obj = any;

/** A self-hosted DaemonSet as kadm builds it (labels, nodeSelector, toleration, hostNetwork). */
function selfHosted(component: string, spec: Obj = {}): Obj {
  const labels = { "k8s-app": `self-hosted-${component}` };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: `self-hosted-${component}`, namespace: "kube-system", labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, component, tier: "control-plane" } },
        spec: {
          hostNetwork: true,
          nodeSelector: { [ROLE]: "", "kubernetes.io/hostname": NODE },
          tolerations: [{ key: ROLE, effect: "NoSchedule" }],
          containers: [{ name: component, image: `registry.k8s.io/${component}:v1.10.13` }],
          ...spec,
        },
      },
      updateStrategy: { type: "RollingUpdate" },
    },
  };
}

interface Env extends AsyncDisposable {
  readonly api: TestApiServer;
  readonly sim: KubeletSim;
  readonly manifests: string;
  /** An HTTP call as kubernetes-admin (system:masters). */
  http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Obj }>;
  /** The Pods of a self-hosted component on the node, as kadm lists them. */
  selfHostedPods(component: string): Promise<Obj[]>;
}

async function env(
  o: { nodeDelayMs?: number; taints?: Obj[]; brokenComponents?: string[] } = {},
): Promise<Env> {
  const dir = await tempDir();
  const manifests = join(dir.path, "etc/kubernetes/manifests");
  await Deno.mkdir(manifests, { recursive: true });
  const api = await startTestApiServer({
    node: { name: NODE, delayMs: o.nodeDelayMs ?? 0, labels: { [ROLE]: "" }, taints: o.taints ?? [TAINT] },
  });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  const client = clientFor(api, admin);
  const sim = startKubeletSim(api, {
    nodeName: NODE,
    manifestsDir: manifests,
    intervalMs: 10,
    brokenComponents: o.brokenComponents,
  });
  const http = (method: string, path: string, body?: unknown) => call(api, client, method, path, { body });
  return {
    api,
    sim,
    manifests,
    http,
    async selfHostedPods(component) {
      const q = `labelSelector=k8s-app%3Dself-hosted-${component}&fieldSelector=spec.nodeName%3D${NODE}`;
      const r = await http("GET", `${KS}/pods?${q}`);
      assertEquals(r.status, 200);
      return r.body.items;
    },
    async [Symbol.asyncDispose]() {
      await sim.stop();
      client.close();
      await api.stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}

const ready = (p: Obj) => p.status.conditions.find((c: Obj) => c.type === "Ready")?.status;

/** Settles the simulator until `cond` holds (at most `passes` passes). */
async function until(sim: KubeletSim, cond: () => boolean | Promise<boolean>, passes = 100): Promise<void> {
  for (let i = 0; i < passes; i++) {
    if (await cond()) return;
    await sim.settled();
  }
  throw new Error("condition not reached");
}

// ---------------------------------------------------------------- the simulated node

Deno.test("a static Pod manifest gets a mirror Pod <name>-<node> that goes away with the file", async () => {
  await using e = await env();
  await Deno.writeTextFile(join(e.manifests, "kube-apiserver.yaml"), staticPod("kube-apiserver"));
  await Deno.writeTextFile(join(e.manifests, ".hidden.yaml"), staticPod("hidden"));
  await Deno.writeTextFile(join(e.manifests, "notes.txt"), "not a pod: [");
  await e.sim.settled();
  const r = await e.http("GET", `${KS}/pods/kube-apiserver-${NODE}`);
  assertEquals(r.status, 200);
  const m = r.body;
  assertEquals(m.metadata.labels, { component: "kube-apiserver", tier: "control-plane" });
  assertEquals(m.metadata.annotations["kubernetes.io/config.source"], "file");
  assertMatch(m.metadata.annotations["kubernetes.io/config.mirror"], /^[0-9a-f]{32}$/);
  assertEquals(m.metadata.ownerReferences[0].kind, "Node");
  assertEquals([m.spec.nodeName, m.status.phase, ready(m)], [NODE, "Running", "True"]);
  assertEquals(m.status.containerStatuses[0].ready, true);
  assertEquals(
    e.api.list("/api/v1/pods").map((p) => p.metadata.name),
    [`kube-apiserver-${NODE}`],
    "hidden files and files that are no Pod do not run",
  );
  assert(e.sim.events.some((x) => /static pod file notes.txt skipped/.test(x)));

  await Deno.remove(join(e.manifests, "kube-apiserver.yaml"));
  await e.sim.settled();
  const gone = await e.http("GET", `${KS}/pods/kube-apiserver-${NODE}`);
  assertEquals([gone.status, gone.body.reason], [404, "NotFound"]);
  assertEquals(gone.body.message, `pods "kube-apiserver-${NODE}" not found`);
  assert(
    e.sim.events.includes(`mirror pod kube-system/kube-apiserver-${NODE} deleted`),
    e.sim.events.join("\n"),
  );
});

Deno.test("a mirror Pod appears only once the Node is registered; a manifest without namespace runs in default", async () => {
  await using e = await env({ nodeDelayMs: 300 });
  await Deno.writeTextFile(
    join(e.manifests, "x.yaml"),
    staticPod("x").replace("  namespace: kube-system\n", ""),
  );
  await e.sim.settled();
  assertEquals(e.api.list("/api/v1/pods"), []);
  await until(e.sim, () => e.api.get(`/api/v1/nodes/${NODE}`) !== undefined);
  await e.sim.settled();
  assertEquals((await e.http("GET", `/api/v1/namespaces/default/pods/x-${NODE}`)).status, 200);
});

Deno.test("toleration matching follows Kubernetes: Exists, empty key, Equal values and empty effects", () => {
  const t = { key: "k", value: "v", effect: "NoSchedule" };
  assert(
    toleratesTaint({ key: "k", operator: "Exists" }, t),
    "Exists matches any value and, without effect, any effect",
  );
  assert(toleratesTaint({ operator: "Exists" }, t), "an empty key with Exists matches every taint");
  assert(toleratesTaint({ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }, t));
  assert(toleratesTaint({ key: "k", value: "v" }, t), "the default operator is Equal");
  assert(!toleratesTaint({ key: "k", operator: "Equal", value: "w" }, t));
  assert(!toleratesTaint({ key: "k", operator: "Exists", effect: "NoExecute" }, t));
  assert(!toleratesTaint({ key: "other", operator: "Exists" }, t));
  assert(toleratesAll([], [{ key: "k", effect: "PreferNoSchedule" }], ["NoSchedule", "NoExecute"]));
});

Deno.test("a DaemonSet Pod is created only once the Node exists, matches the nodeSelector and tolerates its taints", async () => {
  await using e = await env({ nodeDelayMs: 300 });
  const ds = selfHosted("kube-scheduler", { tolerations: [] });
  assertEquals((await e.http("POST", DS_PATH, ds)).status, 201);
  await e.sim.settled();
  assertEquals(await e.selfHostedPods("kube-scheduler"), [], "no Node yet");
  await until(e.sim, () => e.api.get(`/api/v1/nodes/${NODE}`) !== undefined);
  await e.sim.settled();
  assertEquals(await e.selfHostedPods("kube-scheduler"), [], "the control-plane taint is not tolerated");
  assertEquals(e.api.get(`${DS_PATH}/self-hosted-kube-scheduler`)?.status.desiredNumberScheduled, 0);

  const cur = (await e.http("GET", `${DS_PATH}/self-hosted-kube-scheduler`)).body;
  cur.spec.template.spec.tolerations = [{ key: ROLE, operator: "Exists" }];
  cur.spec.template.spec.nodeSelector["kubernetes.io/hostname"] = "other-node";
  assertEquals((await e.http("PUT", `${DS_PATH}/self-hosted-kube-scheduler`, cur)).status, 200);
  await e.sim.settled();
  assertEquals(await e.selfHostedPods("kube-scheduler"), [], "the nodeSelector names another node");

  const fixed = (await e.http("GET", `${DS_PATH}/self-hosted-kube-scheduler`)).body;
  fixed.spec.template.spec.nodeSelector["kubernetes.io/hostname"] = NODE;
  assertEquals((await e.http("PUT", `${DS_PATH}/self-hosted-kube-scheduler`, fixed)).status, 200);
  await e.sim.settled();
  const [pod, ...more] = await e.selfHostedPods("kube-scheduler");
  assertEquals(more, []);
  assertMatch(pod.metadata.name, /^self-hosted-kube-scheduler-[a-z0-9]{5}$/);
  assertEquals(pod.metadata.ownerReferences, [{
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    name: "self-hosted-kube-scheduler",
    uid: fixed.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assertEquals([pod.metadata.labels.component, pod.metadata.labels.tier], [
    "kube-scheduler",
    "control-plane",
  ]);
  assertEquals([pod.spec.nodeName, pod.spec.hostNetwork, pod.status.phase, ready(pod)], [
    NODE,
    true,
    "Running",
    "True",
  ]);
  await e.sim.settled();
  const st = e.api.get(`${DS_PATH}/self-hosted-kube-scheduler`)?.status;
  assertEquals(
    [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.numberAvailable],
    [1, 1, 1, 1],
  );
});

Deno.test("a self-hosted Pod crash-loops while its static Pod runs and is Ready once the manifest is removed", async () => {
  await using e = await env();
  const manifest = join(e.manifests, "kube-apiserver.yaml");
  await Deno.writeTextFile(manifest, staticPod("kube-apiserver"));
  assertEquals((await e.http("POST", DS_PATH, selfHosted("kube-apiserver"))).status, 201);
  await e.sim.settled();
  await e.sim.settled();
  const [before] = await e.selfHostedPods("kube-apiserver");
  assertEquals(
    [before.status.phase, ready(before)],
    ["Running", "False"],
    "Running, as kubeadm v1.10 waits for",
  );
  const cs = before.status.containerStatuses[0];
  assertEquals([cs.ready, cs.state.waiting.reason], [false, "CrashLoopBackOff"]);
  assert(cs.restartCount >= 1);
  await e.sim.settled();
  const [later] = await e.selfHostedPods("kube-apiserver");
  assert(later.status.containerStatuses[0].restartCount > cs.restartCount, "restartCount grows");
  assertEquals(e.api.get(`${DS_PATH}/self-hosted-kube-apiserver`)?.status.numberReady, 0);

  await Deno.remove(manifest);
  await e.sim.settled();
  assertEquals((await e.http("GET", `${KS}/pods/kube-apiserver-${NODE}`)).status, 404);
  const [after] = await e.selfHostedPods("kube-apiserver");
  assertEquals(after.metadata.uid, before.metadata.uid, "the same Pod, its container restarted");
  assertEquals([after.status.phase, ready(after), after.status.containerStatuses[0].ready], [
    "Running",
    "True",
    true,
  ]);
  assert(after.status.containerStatuses[0].state.running.startedAt);
  const st = e.api.get(`${DS_PATH}/self-hosted-kube-apiserver`)?.status;
  assertEquals([st.numberReady, st.numberAvailable, st.numberUnavailable], [1, 1, undefined]);
  assert(
    e.sim.events.some((x) => /not ready \(CrashLoopBackOff\): the static pod of kube-apiserver/.test(x)),
  );
});

Deno.test("a Pod stays Pending in ContainerCreating while a Secret key its projected volume needs is missing", async () => {
  await using e = await env();
  const volumes = [
    {
      name: "k8s",
      projected: {
        sources: [
          { secret: { name: "ca-certificates", items: [{ key: "tls.crt", path: "ca.crt" }] } },
          { secret: { name: "not-there", optional: true } },
        ],
      },
    },
    { name: "kubeconfig", secret: { secretName: "scheduler.conf" } },
  ];
  const caSecret = (data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "ca-certificates" },
    data,
  });
  assertEquals((await e.http("POST", `${KS}/secrets`, caSecret({ "tls.key": b64("k") }))).status, 201);
  const sc = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "scheduler.conf" },
    data: { "scheduler.conf": b64("x") },
  };
  assertEquals((await e.http("POST", `${KS}/secrets`, sc)).status, 201);
  assertEquals((await e.http("POST", DS_PATH, selfHosted("kube-scheduler", { volumes }))).status, 201);
  await e.sim.settled();
  await e.sim.settled();
  const [pending] = await e.selfHostedPods("kube-scheduler");
  assertEquals(pending.status.phase, "Pending");
  assertEquals(pending.status.containerStatuses[0].state.waiting.reason, "ContainerCreating");
  assert(
    e.sim.events.includes(
      `pod kube-system/${pending.metadata.name} pending (ContainerCreating): ` +
        'MountVolume.SetUp failed for volume "k8s" : references non-existent secret key: tls.crt',
    ),
    e.sim.events.join("\n"),
  );

  const fixed = caSecret({ "tls.key": b64("k"), "tls.crt": b64("c") });
  assertEquals((await e.http("PUT", `${KS}/secrets/ca-certificates`, fixed)).status, 200);
  await e.sim.settled();
  const [running] = await e.selfHostedPods("kube-scheduler");
  assertEquals([running.status.phase, ready(running)], ["Running", "True"]);
});

Deno.test("a changed template replaces the DaemonSet's Pod and bumps the DaemonSet's generation", async () => {
  await using e = await env();
  const created = (await e.http("POST", DS_PATH, selfHosted("kube-controller-manager"))).body;
  assertEquals(created.metadata.generation, 1);
  await e.sim.settled();
  const [old] = await e.selfHostedPods("kube-controller-manager");
  const ds = (await e.http("GET", `${DS_PATH}/self-hosted-kube-controller-manager`)).body;
  ds.spec.template.spec.containers[0].image = "registry.k8s.io/kube-controller-manager:v1.10.14";
  const put = await e.http("PUT", `${DS_PATH}/self-hosted-kube-controller-manager`, ds);
  assertEquals(put.body.metadata.generation, 2);
  await until(e.sim, async () => {
    const pods = await e.selfHostedPods("kube-controller-manager");
    return pods.length === 1 && pods[0].metadata.name !== old.metadata.name && ready(pods[0]) === "True";
  });
  const [fresh] = await e.selfHostedPods("kube-controller-manager");
  assertEquals(fresh.spec.containers[0].image, "registry.k8s.io/kube-controller-manager:v1.10.14");
  assertEquals((await e.http("GET", `${KS}/pods/${old.metadata.name}`)).status, 404);
  assert(
    fresh.metadata.labels["controller-revision-hash"] !== old.metadata.labels["controller-revision-hash"],
  );
  await e.sim.settled();
  const st = e.api.get(`${DS_PATH}/self-hosted-kube-controller-manager`)?.status;
  assertEquals([st.observedGeneration, st.updatedNumberScheduled], [2, 1]);
});

Deno.test("deleting a DaemonSet deletes its Pod", async () => {
  await using e = await env();
  await e.http("POST", DS_PATH, selfHosted("kube-scheduler"));
  await e.sim.settled();
  const [pod] = await e.selfHostedPods("kube-scheduler");
  const del = await e.http("DELETE", `${DS_PATH}/self-hosted-kube-scheduler`);
  assertEquals([del.status, del.body.kind, del.body.status], [200, "Status", "Success"]);
  await e.sim.settled();
  assertEquals(await e.selfHostedPods("kube-scheduler"), []);
  assert(e.sim.events.includes(
    `pod kube-system/${pod.metadata.name} deleted: its DaemonSet self-hosted-kube-scheduler is gone`,
  ));
});

Deno.test("the Pod of a broken component never becomes Ready", async () => {
  await using e = await env({ brokenComponents: ["kube-scheduler"] });
  await e.http("POST", DS_PATH, selfHosted("kube-scheduler"));
  for (let i = 0; i < 5; i++) await e.sim.settled();
  const [pod] = await e.selfHostedPods("kube-scheduler");
  assertEquals([pod.status.phase, ready(pod)], ["Running", "False"]);
  assertEquals(pod.status.containerStatuses[0].state.waiting.reason, "CrashLoopBackOff");
  assert(pod.status.containerStatuses[0].restartCount >= 4);
});

Deno.test("settled() after stop() rejects instead of hanging", async () => {
  await using e = await env();
  await e.sim.stop();
  await assertRejects(() => e.sim.settled(), /stopped/);
});

// ---------------------------------------------------------------- what the server does for it

Deno.test("DELETE of a scheduled Pod only marks it until its kubelet removes it; an unscheduled one goes at once", async () => {
  await using e = await env();
  const pod = (name: string, nodeName?: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox:1.36" }] },
  });
  const created = await e.http("POST", `${KS}/pods`, pod("bound", NODE));
  assertEquals([created.status, created.body.status], [201, { phase: "Pending", qosClass: "BestEffort" }]);
  assertEquals(created.body.spec.terminationGracePeriodSeconds, 30);
  const del = await e.http("DELETE", `${KS}/pods/bound`);
  assertEquals([del.status, del.body.kind, del.body.metadata.deletionGracePeriodSeconds], [200, "Pod", 30]);
  assert(del.body.metadata.deletionTimestamp);
  await e.sim.stop();
  assertEquals((await e.http("GET", `${KS}/pods/bound`)).status, 200, "still there: no kubelet ran");
  const sim = startKubeletSim(e.api, { nodeName: NODE, manifestsDir: e.manifests, intervalMs: 10 });
  await sim.settled();
  await sim.stop();
  assertEquals((await e.http("GET", `${KS}/pods/bound`)).status, 404);

  await e.http("POST", `${KS}/pods`, pod("loose"));
  const now = await e.http("DELETE", `${KS}/pods/loose`);
  assertEquals([now.status, now.body.kind], [200, "Pod"]);
  assertEquals((await e.http("GET", `${KS}/pods/loose`)).status, 404);
  await e.http("POST", `${KS}/pods`, pod("forced", NODE));
  assertEquals((await e.http("DELETE", `${KS}/pods/forced?gracePeriodSeconds=0`)).status, 200);
  assertEquals((await e.http("GET", `${KS}/pods/forced`)).status, 404);
  const pre = await e.http("POST", `${KS}/pods`, pod("pre"));
  const stale = await e.http("DELETE", `${KS}/pods/pre`, { preconditions: { uid: "other" } });
  assertEquals([stale.status, stale.body.reason], [409, "Conflict"]);
  assertEquals(
    stale.body.message,
    `Operation cannot be fulfilled on pods "pre": Precondition failed: UID in precondition: other, ` +
      `UID in object meta: ${pre.body.metadata.uid}`,
  );
});

Deno.test("a Pod update may change container images but no other spec field: 422 Forbidden", async () => {
  await using e = await env();
  const body = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: { containers: [{ name: "c", image: "a:1" }] },
  };
  assertEquals((await e.http("POST", `${KS}/pods`, body)).status, 201);
  const image = structuredClone(body);
  image.spec.containers[0]!.image = "a:2";
  assertEquals((await e.http("PUT", `${KS}/pods/p`, image)).status, 200);
  const moved = { ...image, spec: { ...image.spec, nodeName: NODE } };
  const r = await e.http("PUT", `${KS}/pods/p`, moved);
  assertEquals([r.status, r.body.details.causes[0].reason, r.body.details.causes[0].field], [
    422,
    "FieldValueForbidden",
    "spec",
  ]);
  assertMatch(
    r.body.message,
    /^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than/,
  );
});

Deno.test("pods are listed by spec.nodeName and metadata.name field selectors; unknown fields are 400 BadRequest", async () => {
  await using e = await env();
  await Deno.writeTextFile(join(e.manifests, "etcd.yaml"), staticPod("etcd"));
  await e.sim.settled();
  const names = async (q: string) =>
    (await e.http("GET", `/api/v1/pods?fieldSelector=${encodeURIComponent(q)}`)).body.items.map((
      p: Obj,
    ) => p.metadata.name);
  assertEquals(await names(`spec.nodeName=${NODE}`), [`etcd-${NODE}`]);
  assertEquals(await names("spec.nodeName=other"), []);
  assertEquals(await names(`metadata.name==etcd-${NODE},spec.hostNetwork=true`), [`etcd-${NODE}`]);
  assertEquals(await names(`metadata.name!=etcd-${NODE}`), []);
  const bad = await e.http("GET", `${KS}/pods?fieldSelector=status.hostIP%3D1.2.3.4`);
  assertEquals([bad.status, bad.body.reason, bad.body.message], [
    400,
    "BadRequest",
    "field label not supported: status.hostIP",
  ]);
  const cm = await e.http("GET", `${KS}/configmaps?fieldSelector=data.x%3Dy`);
  assertEquals([cm.status, cm.body.message], [
    400,
    '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
  ]);
  assertEquals((await e.http("GET", `${KS}/secrets?fieldSelector=type%3DOpaque`)).status, 200);
});

Deno.test("a DaemonSet needs a selector that matches its template labels and containers: 422 Invalid", async () => {
  await using e = await env();
  const ds = selfHosted("kube-scheduler");
  ds.spec.template.metadata.labels = { "k8s-app": "other" };
  const r = await e.http("POST", DS_PATH, ds);
  assertEquals([r.status, r.body.reason], [422, "Invalid"]);
  assertEquals(
    r.body.message,
    'DaemonSet.apps "self-hosted-kube-scheduler" is invalid: spec.template.metadata.labels: Invalid value: ' +
      'map[string]string{"k8s-app":"other"}: `selector` does not match template `labels`',
  );
  assertEquals(r.body.details.causes, [{
    reason: "FieldValueInvalid",
    message:
      'Invalid value: map[string]string{"k8s-app":"other"}: `selector` does not match template `labels`',
    field: "spec.template.metadata.labels",
  }]);
  const none = selfHosted("kube-scheduler");
  delete none.spec.selector;
  none.spec.template.spec.containers = [];
  const n = await e.http("POST", DS_PATH, none);
  assertEquals(n.status, 422);
  assertEquals(n.body.details.causes.map((c: Obj) => c.field), [
    "spec.template.metadata.labels",
    "spec.template.spec.containers",
  ]);
  const empty = selfHosted("kube-scheduler");
  empty.spec.selector = {};
  const m = await e.http("POST", DS_PATH, empty);
  assertEquals(
    m.body.message,
    'DaemonSet.apps "self-hosted-kube-scheduler" is invalid: spec.selector: Invalid value: ' +
      "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: " +
      "empty selector is invalid for daemonset",
  );
  const sel = selfHosted("kube-scheduler");
  sel.spec.selector = {
    matchExpressions: [{ key: "k8s-app", operator: "In", values: ["self-hosted-kube-scheduler"] }],
  };
  assertEquals((await e.http("POST", DS_PATH, sel)).status, 201, "matchExpressions select too");
});

Deno.test("a kubernetes.io/tls Secret needs tls.crt and tls.key: 422 Invalid naming both", async () => {
  await using e = await env();
  const tls = (data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "apiserver" },
    data,
  });
  const r = await e.http("POST", `${KS}/secrets`, tls({ "ca.crt": b64("x") }));
  assertEquals([r.status, r.body.reason], [422, "Invalid"]);
  assertEquals(
    r.body.message,
    'Secret "apiserver" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
  );
  assertEquals(r.body.details.kind, "Secret");
  const ok = await e.http("POST", `${KS}/secrets`, tls({ "tls.crt": b64("c"), "tls.key": b64("k") }));
  assertEquals(ok.status, 201);
});

Deno.test("Secret, ConfigMap and DaemonSet names must be DNS subdomains of at most 253 characters", async () => {
  await using e = await env();
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "Front_Proxy" } };
  const r = await e.http("POST", `${KS}/secrets`, secret);
  assertEquals([r.status, r.body.details.causes[0].field], [422, "metadata.name"]);
  assertMatch(
    r.body.message,
    /^Secret "Front_Proxy" is invalid: metadata.name: Invalid value: "Front_Proxy": a lowercase RFC 1123 subdomain/,
  );
  const long = "a".repeat(254);
  const c = await e.http("POST", `${KS}/configmaps`, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: long },
  });
  assertEquals(c.status, 422);
  assertEquals(
    c.body.details.causes[0].message,
    `Invalid value: "${long}": must be no more than 253 characters`,
  );
  const ds = selfHosted("kube-scheduler");
  ds.metadata.name = "self-hosted.kube-scheduler";
  assertEquals((await e.http("POST", DS_PATH, ds)).status, 201, "dots are fine in a subdomain");
  ds.metadata.name = "-self-hosted";
  assertEquals((await e.http("POST", DS_PATH, ds)).status, 422);
});
