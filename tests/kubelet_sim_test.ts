/**
 * The simulated node (kubelet, DaemonSet controller, scheduler) beside the test API server: mirror Pods
 * for static Pod manifests, DaemonSet Pods placed by nodeSelector and taints, their statuses
 * (ContainerCreating, CrashLoopBackOff, Ready) and replacement. Everything is observed through HTTP as
 * kadm would observe it.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "./_std.ts";
import { b64 } from "./support/apiserver_client.ts";
import { toleratesAll, toleratesTaint } from "./support/apiserver_pods.ts";
import { DS_PATH, env, KS, NODE, ready, ROLE, selfHosted, staticPod, until } from "./kubelet_sim_support.ts";

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
