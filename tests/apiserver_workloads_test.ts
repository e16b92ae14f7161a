/**
 * What the test API server does for Pods, DaemonSets, Secrets and ConfigMaps that self-hosting needs:
 * graceful deletion of scheduled Pods, Pod update rules, field selectors, DaemonSet selector validation,
 * TLS Secret keys and object name rules. Observed through HTTP as kadm would observe it.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { b64 } from "./support/apiserver_client.ts";
import { startKubeletSim } from "./support/kubelet_sim.ts";
import { DS_PATH, env, KS, NODE, type Obj, selfHosted, staticPod } from "./kubelet_sim_support.ts";

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
