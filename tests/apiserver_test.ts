/**
 * The test API server, judged as kube-apiserver would be: plain fetch with mTLS, and kubectl.
 */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { opensslBytes, run } from "./_assert.ts";
import { startTestApiServer } from "./support/apiserver.ts";
import {
  type Answer,
  b64,
  call,
  clientFor,
  cm,
  kubeconfig,
  tempDir,
  tokenSecret,
  whoami,
} from "./support/apiserver_client.ts";

// ---------------------------------------------------------------- authentication

Deno.test("a client certificate from the cluster CA authenticates as its CN with its O's as groups", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const r = await whoami(api, c);
  assertEquals(r.status, 201);
  assertEquals(r.body.status.userInfo, {
    username: "kubernetes-admin",
    groups: ["system:masters", "system:authenticated"],
  });
  assertEquals(api.requests.at(-1)?.user, "kubernetes-admin");
});

Deno.test("a request without credentials is anonymous: health is readable, objects are forbidden", async () => {
  await using api = await startTestApiServer();
  using c = clientFor(api);
  for (const p of ["/healthz", "/livez", "/readyz"]) assertEquals((await call(api, c, "GET", p)).body, "ok");
  assertEquals((await call(api, c, "GET", "/version")).body.gitVersion, "v1.34.7");
  const r = await call(api, c, "GET", "/api/v1/namespaces/kube-system/configmaps/kubeadm-config");
  assertEquals(r.status, 403);
  assertEquals(r.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'configmaps "kubeadm-config" is forbidden: User "system:anonymous" cannot get resource "configmaps" ' +
      'in API group "" in the namespace "kube-system"',
    reason: "Forbidden",
    details: { name: "kubeadm-config", kind: "configmaps" },
    code: 403,
  });
  const d = await call(api, c, "GET", "/api");
  assertEquals(d.status, 403, "discovery is for authenticated users only (system:discovery)");
  assertEquals(d.body.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
});

Deno.test("a client certificate from another CA is refused with 401 Unauthorized", async () => {
  await using other = await startTestApiServer();
  await using api = await startTestApiServer();
  const stranger = await other.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, stranger);
  const r = await call(api, c, "GET", "/api/v1/namespaces");
  assertEquals(r.status, 401);
  assertEquals(r.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Unauthorized",
    reason: "Unauthorized",
    code: 401,
  });
});

Deno.test("a bootstrap token authenticates as system:bootstrap:<id> with its extra groups", async () => {
  await using api = await startTestApiServer({ objects: [tokenSecret("abcdef", "0123456789abcdef")] });
  using c = clientFor(api);
  const r = await whoami(api, c, "abcdef.0123456789abcdef");
  assertEquals(r.status, 201);
  assertEquals(r.body.status.userInfo, {
    username: "system:bootstrap:abcdef",
    groups: [
      "system:bootstrappers",
      "system:bootstrappers:kubeadm:default-node-token",
      "system:authenticated",
    ],
  });
});

Deno.test("a bootstrap token with a wrong secret, an expired one or one not for authentication gets 401", async () => {
  const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
  await using api = await startTestApiServer({
    objects: [
      tokenSecret("abcdef", "0123456789abcdef", { expiration: future }),
      tokenSecret("expird", "0123456789abcdef", { expiration: past }),
      tokenSecret("nouse0", "0123456789abcdef", { "usage-bootstrap-authentication": "false" }),
    ],
  });
  using c = clientFor(api);
  assertEquals((await whoami(api, c, "abcdef.0123456789abcdef")).status, 201);
  for (const t of ["abcdef.0123456789abcdee", "expird.0123456789abcdef", "nouse0.0123456789abcdef", "junk"]) {
    const r = await whoami(api, c, t);
    assertEquals(r.status, 401, t);
    assertEquals(r.body.reason, "Unauthorized");
  }
});

// ---------------------------------------------------------------- authorization

Deno.test("system:masters may do anything; kubeadm:cluster-admins only once its binding exists", async () => {
  await using api = await startTestApiServer();
  const masters = await api.issueClientCert("kubernetes-super-admin", ["system:masters"]);
  const admins = await api.issueClientCert("kubernetes-admin", ["kubeadm:cluster-admins"]);
  using sa = clientFor(api, masters);
  using a = clientFor(api, admins);
  const before = await call(api, a, "POST", "/api/v1/namespaces/kube-system/configmaps", { body: cm("x") });
  assertEquals(before.status, 403);
  assertEquals(
    before.body.message,
    'configmaps is forbidden: User "kubernetes-admin" cannot create resource "configmaps" in API group "" ' +
      'in the namespace "kube-system"',
  );
  const crb = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "kubeadm:cluster-admins" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "kubeadm:cluster-admins" }],
  };
  const denied = await call(api, a, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    body: crb,
  });
  assertEquals(denied.status, 403);
  assertEquals(
    denied.body.message,
    'clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "kubernetes-admin" cannot create resource ' +
      '"clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope',
  );
  assertEquals(
    (await call(api, sa, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", { body: crb }))
      .status,
    201,
  );
  assertEquals(
    (await call(api, a, "POST", "/api/v1/namespaces/kube-system/configmaps", { body: cm("x") })).status,
    201,
  );
});

Deno.test("anonymous reads cluster-info only once kubeadm's Role and RoleBinding grant it, and nothing else", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  using anon = clientFor(api);
  for (const name of ["cluster-info", "other"]) {
    await call(api, c, "POST", "/api/v1/namespaces/kube-public/configmaps", { body: cm(name) });
  }
  const path = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
  assertEquals((await call(api, anon, "GET", path)).status, 403);
  await call(api, c, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles", {
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "kubeadm:bootstrap-signer-clusterinfo", namespace: "kube-public" },
      rules: [{
        apiGroups: [""],
        resourceNames: ["cluster-info"],
        resources: ["configmaps"],
        verbs: ["get"],
      }],
    },
  });
  const rb = await call(
    api,
    c,
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings",
    {
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "kubeadm:bootstrap-signer-clusterinfo", namespace: "kube-public" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Role",
          name: "kubeadm:bootstrap-signer-clusterinfo",
        },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:anonymous" }],
      },
    },
  );
  assertEquals(rb.status, 201);
  assertEquals((await call(api, anon, "GET", path)).status, 200);
  assertEquals((await call(api, anon, "GET", "/api/v1/namespaces/kube-public/configmaps/other")).status, 403);
  assertEquals((await call(api, anon, "GET", "/api/v1/namespaces/kube-public/configmaps")).status, 403);
  assertEquals((await call(api, anon, "PUT", path, { body: cm("cluster-info") })).status, 403);
});

Deno.test("a node may read Nodes and patch its own Node only", async () => {
  await using api = await startTestApiServer({ node: { name: "master-1" } });
  api.seed({ apiVersion: "v1", kind: "Node", metadata: { name: "worker-1" } });
  const kubelet = await api.issueClientCert("system:node:master-1", ["system:nodes"]);
  using c = clientFor(api, kubelet);
  const patch = { body: { metadata: { labels: { a: "b" } } }, contentType: "application/merge-patch+json" };
  assertEquals((await call(api, c, "GET", "/api/v1/nodes/worker-1")).status, 200);
  assertEquals((await call(api, c, "PATCH", "/api/v1/nodes/master-1", patch)).status, 200);
  assertEquals((await call(api, c, "PATCH", "/api/v1/nodes/worker-1", patch)).status, 403);
  assertEquals((await call(api, c, "GET", "/api/v1/namespaces/kube-system/secrets")).status, 403);
});

Deno.test("the built-in ClusterRoles kadm binds to exist with their rules", async () => {
  await using api = await startTestApiServer();
  const role = (n: string) => api.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${n}`);
  assertEquals(role("system:node-bootstrapper")?.rules, [
    {
      verbs: ["create", "get", "list", "watch"],
      apiGroups: ["certificates.k8s.io"],
      resources: ["certificatesigningrequests"],
    },
  ]);
  for (
    const n of [
      "cluster-admin",
      "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
      "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
      "system:node-proxier",
      "system:kubelet-api-admin",
    ]
  ) assert(role(n), n);
  assertEquals(role("system:coredns"), undefined, "kadm creates system:coredns itself");
});

// ---------------------------------------------------------------- CRUD

Deno.test("create, read, update and delete answer with kube-apiserver's objects and Status bodies", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const base = "/api/v1/namespaces/kube-system/configmaps";
  const created = await call(api, c, "POST", base, { body: cm("x") });
  assertEquals(created.status, 201);
  const meta = created.body.metadata;
  assertMatch(meta.resourceVersion, /^\d+$/);
  assertMatch(meta.uid, /^[0-9a-f-]{36}$/);
  assertMatch(meta.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assertEquals([created.body.kind, created.body.apiVersion, meta.namespace], [
    "ConfigMap",
    "v1",
    "kube-system",
  ]);

  const dup = await call(api, c, "POST", base, { body: cm("x") });
  assertEquals(dup.status, 409);
  assertEquals(dup.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'configmaps "x" already exists',
    reason: "AlreadyExists",
    details: { name: "x", kind: "configmaps" },
    code: 409,
  });

  const updated = await call(api, c, "PUT", `${base}/x`, { body: { ...created.body, data: { k: "2" } } });
  assertEquals(updated.status, 200);
  assertEquals(updated.body.metadata.uid, meta.uid);
  assert(Number(updated.body.metadata.resourceVersion) > Number(meta.resourceVersion));
  const stale = await call(api, c, "PUT", `${base}/x`, { body: { ...created.body, data: { k: "3" } } });
  assertEquals(stale.status, 409);
  assertEquals(stale.body.reason, "Conflict");
  assertEquals(
    stale.body.message,
    'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes ' +
      "to the latest version and try again",
  );
  assertEquals(
    (await call(api, c, "PUT", `${base}/x`, { body: cm("x", { k: "4" }) })).status,
    200,
    "no rv: unconditional",
  );

  const renamed = await call(api, c, "PUT", `${base}/x`, { body: cm("y") });
  assertEquals([renamed.status, renamed.body.reason], [400, "BadRequest"]);
  assertEquals(renamed.body.message, "the name of the object (y) does not match the name on the URL (x)");
  assertEquals((await call(api, c, "PUT", `${base}/nope`, { body: cm("nope") })).status, 404);

  const noName = await call(api, c, "POST", base, {
    body: { apiVersion: "v1", kind: "ConfigMap", metadata: {} },
  });
  assertEquals([noName.status, noName.body.reason], [422, "Invalid"]);
  assertEquals(
    noName.body.message,
    'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
  );
  assertEquals(noName.body.details.causes, [{
    reason: "FieldValueRequired",
    message: "Required value: name or generateName is required",
    field: "metadata.name",
  }]);

  const noNs = await call(api, c, "POST", "/api/v1/namespaces/nope/configmaps", { body: cm("x") });
  assertEquals([noNs.status, noNs.body.message, noNs.body.details], [404, 'namespaces "nope" not found', {
    name: "nope",
    kind: "namespaces",
  }]);

  const del = await call(api, c, "DELETE", `${base}/x`);
  assertEquals([del.status, del.body.status, del.body.details.name], [200, "Success", "x"]);
  const gone = await call(api, c, "GET", `${base}/x`);
  assertEquals(gone.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'configmaps "x" not found',
    reason: "NotFound",
    details: { name: "x", kind: "configmaps" },
    code: 404,
  });
  const rbacGone = await call(api, c, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/nope");
  assertEquals(rbacGone.body.message, 'clusterroles.rbac.authorization.k8s.io "nope" not found');
  assertEquals(rbacGone.body.details, {
    name: "nope",
    group: "rbac.authorization.k8s.io",
    kind: "clusterroles",
  });
});

Deno.test("lists carry the collection kind, a resourceVersion and honour label selectors", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const dep = (name: string, app: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { "k8s-app": app } },
    spec: {
      selector: { matchLabels: { "k8s-app": app } },
      template: {
        metadata: { labels: { "k8s-app": app } },
        spec: { containers: [{ name: "c", image: "i" }] },
      },
    },
  });
  const path = "/apis/apps/v1/namespaces/kube-system/deployments";
  assertEquals(
    (await call(api, c, "POST", path, { body: dep("coredns", "kube-dns") })).body.metadata.generation,
    1,
  );
  await call(api, c, "POST", path, { body: dep("other", "other") });
  const r = await call(api, c, "GET", `${path}?labelSelector=k8s-app%3Dkube-dns`);
  assertEquals([r.body.kind, r.body.apiVersion], ["DeploymentList", "apps/v1"]);
  assertMatch(r.body.metadata.resourceVersion, /^\d+$/);
  assertEquals(r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), ["coredns"]);
  const bad = dep("bad", "a");
  bad.spec.template.metadata.labels["k8s-app"] = "b";
  assertEquals((await call(api, c, "POST", path, { body: bad })).status, 422);
});

Deno.test("cluster-scoped kinds are not served under /namespaces/ and lose a namespace given in the body", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "kubeadm:get-nodes", namespace: "kube-system" },
    rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }],
  };
  const under = await call(
    api,
    c,
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/clusterroles",
    {
      body: role,
    },
  );
  assertEquals([under.status, under.body.message], [404, "the server could not find the requested resource"]);
  const r = await call(api, c, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { body: role });
  assertEquals(r.status, 201);
  assertEquals(r.body.metadata.namespace, undefined);
  assertEquals(
    api.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/kubeadm:get-nodes")?.metadata.namespace,
    undefined,
  );
});

Deno.test("a binding's roleRef cannot change", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const crb = (role: string) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "b" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "g" }],
  });
  const path = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
  assertEquals((await call(api, c, "POST", path, { body: crb("a") })).status, 201);
  const r = await call(api, c, "PUT", `${path}/b`, { body: crb("other") });
  assertEquals([r.status, r.body.details.causes[0].field], [422, "roleRef"]);
});

// ---------------------------------------------------------------- PATCH

Deno.test("PATCH needs a patch content type, else 415 UnsupportedMediaType", async () => {
  await using api = await startTestApiServer({
    objects: [{ ...cm("x"), metadata: { name: "x", namespace: "default" } }],
  });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const path = "/api/v1/namespaces/default/configmaps/x";
  const r = await call(api, c, "PATCH", path, {
    body: { data: { k: "2" } },
    contentType: "application/json",
  });
  assertEquals(r.status, 415);
  assertEquals(r.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "the body of the request was in an unknown format - accepted media types include: " +
      "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, " +
      "application/apply-patch+yaml",
    reason: "UnsupportedMediaType",
    code: 415,
  });
  const merge = await call(api, c, "PATCH", path, {
    body: { data: { k: null, n: "1" } },
    contentType: "application/merge-patch+json",
  });
  assertEquals(merge.body.data, { n: "1" });
  const json = await call(api, c, "PATCH", path, {
    body: [{ op: "add", path: "/data/j", value: "2" }],
    contentType: "application/json-patch+json",
  });
  assertEquals(json.body.data, { n: "1", j: "2" });
  const missing = await call(api, c, "PATCH", "/api/v1/namespaces/default/configmaps/nope", {
    body: {},
    contentType: "application/merge-patch+json",
  });
  assertEquals(missing.status, 404);
});

Deno.test("a strategic merge patch replaces a Node's taints whole and merges its labels and annotations", async () => {
  await using api = await startTestApiServer({
    node: {
      name: "master-1",
      annotations: { keep: "me" },
      taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }],
    },
  });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const r = await call(api, c, "PATCH", "/api/v1/nodes/master-1", {
    contentType: "application/strategic-merge-patch+json",
    body: {
      metadata: {
        labels: { "node-role.kubernetes.io/control-plane": "" },
        annotations: { "kubeadm.alpha.kubernetes.io/cri-socket": "/run/containerd/containerd.sock" },
      },
      spec: { taints: [{ effect: "NoSchedule", key: "node-role.kubernetes.io/master" }] },
    },
  });
  assertEquals(r.status, 200);
  assertEquals(r.body.spec.taints, [{ effect: "NoSchedule", key: "node-role.kubernetes.io/master" }]);
  assertEquals(r.body.metadata.labels["node-role.kubernetes.io/control-plane"], "");
  assertEquals(r.body.metadata.labels["kubernetes.io/hostname"], "master-1");
  assertEquals(r.body.metadata.annotations.keep, "me");
  const dup = await call(api, c, "PATCH", "/api/v1/nodes/master-1", {
    contentType: "application/merge-patch+json",
    body: { spec: { taints: [{ key: "a", effect: "NoSchedule" }, { key: "a", effect: "NoSchedule" }] } },
  });
  assertEquals([dup.status, dup.body.details.causes[0].reason], [422, "FieldValueDuplicate"]);
});

// ---------------------------------------------------------------- Secrets

Deno.test("Secret data must be base64 (400 on create, 422 on patch) and stringData is merged into data", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const path = "/api/v1/namespaces/kube-system/secrets";
  const secret = (data: Record<string, string>, stringData?: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    data,
    ...(stringData ? { stringData } : {}),
  });
  const bad = await call(api, c, "POST", path, { body: secret({ "token-id": "abcdef" }) });
  assertEquals([bad.status, bad.body.reason], [400, "BadRequest"]);
  assertEquals(
    bad.body.message,
    'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
  );
  const ok = await call(api, c, "POST", path, { body: secret({ a: b64("1") }, { b: "2" }) });
  assertEquals(ok.status, 201);
  assertEquals([ok.body.data, ok.body.stringData, ok.body.type], [
    { a: b64("1"), b: b64("2") },
    undefined,
    "Opaque",
  ]);
  const p = await call(api, c, "PATCH", `${path}/s`, {
    body: { data: { c: "not base64!" } },
    contentType: "application/merge-patch+json",
  });
  assertEquals([p.status, p.body.reason, p.body.details.causes[0].field], [422, "Invalid", "patch"]);
});

// ---------------------------------------------------------------- node registration

Deno.test("the Node appears only after its registration delay", async () => {
  await using api = await startTestApiServer({
    node: { name: "master-1", delayMs: 300, labels: { extra: "x" } },
  });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const first = await call(api, c, "GET", "/api/v1/nodes/master-1");
  assertEquals([first.status, first.body.message], [404, 'nodes "master-1" not found']);
  let found: Answer | undefined;
  for (let i = 0; i < 40 && !found; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const r = await call(api, c, "GET", "/api/v1/nodes/master-1");
    if (r.status === 200) found = r;
  }
  assert(found, "the node registered within 2 s");
  assertEquals(found.body.metadata.labels.extra, "x");
  assertEquals(found.body.metadata.labels["kubernetes.io/hostname"], "master-1");
});

// ---------------------------------------------------------------- faults

Deno.test("injected faults: the first N matching calls fail with 500 or 429 with Retry-After", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  api.faults.failNext(2, { path: "/healthz" });
  api.faults.failNext(1, { method: "POST", code: 429, retryAfterSeconds: 2 });
  assertEquals((await call(api, c, "GET", "/livez")).status, 200, "other paths are not affected");
  const r1 = await call(api, c, "GET", "/healthz");
  assertEquals([r1.status, r1.body.reason], [500, "InternalError"]);
  assertEquals((await call(api, c, "GET", "/healthz")).status, 500);
  assertEquals((await call(api, c, "GET", "/healthz")).status, 200);
  const r429 = await call(api, c, "POST", "/api/v1/namespaces/default/configmaps", { body: cm("x") });
  assertEquals([r429.status, r429.headers.get("retry-after"), r429.body.details], [429, "2", {
    retryAfterSeconds: 2,
  }]);
  assertEquals(
    (await call(api, c, "POST", "/api/v1/namespaces/default/configmaps", { body: cm("x") })).status,
    201,
  );
  assertEquals(api.faults.pending, 0);
  assertEquals(api.requests.filter((r) => r.fault === "status").length, 3);
});

Deno.test("injected faults: dropped connections and delays", async () => {
  await using api = await startTestApiServer();
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  api.faults.dropNext(1, { path: "/version" });
  let failed = false;
  try {
    await call(api, c, "GET", "/version");
  } catch {
    failed = true;
  }
  assert(failed, "a dropped connection rejects the fetch");
  assertEquals(api.requests.at(-1)?.code, 0);
  assertEquals((await call(api, c, "GET", "/version")).status, 200);
  api.faults.delay(300, { path: "/readyz", times: 1 });
  const t = performance.now();
  assertEquals((await call(api, c, "GET", "/readyz")).status, 200);
  assert(performance.now() - t >= 290, "the delayed call took its delay");
});

Deno.test("a late server knows its URL at once and refuses connections until it listens", async () => {
  await using api = await startTestApiServer({ startDelayMs: 400 });
  using c = clientFor(api);
  let refused = false;
  try {
    await call(api, c, "GET", "/healthz");
  } catch {
    refused = true;
  }
  assert(refused, "connection refused before listening");
  await api.listening;
  assertEquals((await call(api, c, "GET", "/healthz")).body, "ok");
});

// ---------------------------------------------------------------- serving certificate

Deno.test("a serving certificate for another name or from another CA fails client verification", async () => {
  await using wrongName = await startTestApiServer({ serving: { dnsNames: ["other.example"], ips: [] } });
  await using wrongCa = await startTestApiServer({ serving: { signer: "other-ca" } });
  for (const api of [wrongName, wrongCa]) {
    using c = clientFor(api);
    let err: unknown;
    try {
      await call(api, c, "GET", "/healthz");
    } catch (e) {
      err = e;
    }
    assert(err instanceof Error, "the TLS handshake fails");
    assertMatch(String(err.cause), api === wrongName ? /not valid for name "127\.0\.0\.1"/ : /UnknownIssuer/);
  }
  using trusting = clientFor(wrongCa, undefined, wrongCa.servingCaPem);
  assertEquals((await call(wrongCa, trusting, "GET", "/healthz")).body, "ok");
});

// ---------------------------------------------------------------- kubectl

Deno.test("kubectl reads objects back through discovery", async () => {
  await using api = await startTestApiServer({ node: { name: "master-1" } });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  api.seed({
    ...cm("cluster-info", { kubeconfig: "x" }),
    metadata: { name: "cluster-info", namespace: "kube-public" },
  });
  await using dir = await tempDir();
  const kc = `${dir.path}/admin.conf`;
  await Deno.writeTextFile(kc, kubeconfig(api, admin));
  const get = await run("kubectl", [
    "--kubeconfig",
    kc,
    "get",
    "cm",
    "-n",
    "kube-public",
    "cluster-info",
    "-o",
    "yaml",
  ]);
  assertEquals(get.code, 0, get.stderr);
  assertMatch(get.stdout, /^kind: ConfigMap$/m);
  assertMatch(get.stdout, /^ {2}kubeconfig: x$/m);
  const nodes = await run("kubectl", ["--kubeconfig", kc, "get", "nodes"]);
  assertEquals(nodes.code, 0, nodes.stderr);
  assertMatch(nodes.stdout, /^master-1\s/m);
  const who = await run("kubectl", [
    "--kubeconfig",
    kc,
    "auth",
    "whoami",
    "-o",
    "jsonpath={.status.userInfo.username}",
  ]);
  assertEquals([who.code, who.stdout], [0, "kubernetes-admin"]);
});

// ---------------------------------------------------------------- controllers and CAs

Deno.test("the bootstrap signer adds a detached JWS of cluster-info's kubeconfig per signing token", async () => {
  await using api = await startTestApiServer({ bootstrapSigner: true });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  using c = clientFor(api, admin);
  const kubeconfigText = "apiVersion: v1\nkind: Config\n";
  await call(api, c, "POST", "/api/v1/namespaces/kube-public/configmaps", {
    body: { ...cm("cluster-info", { kubeconfig: kubeconfigText }) },
  });
  await call(api, c, "POST", "/api/v1/namespaces/kube-system/secrets", {
    body: tokenSecret("abcdef", "0123456789abcdef"),
  });
  await api.controllersIdle();
  const data = api.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")?.data;
  const jws = String(data?.["jws-kubeconfig-abcdef"]);
  const [header, empty, sig] = jws.split(".");
  assertEquals(empty, "");
  assertEquals(JSON.parse(atob(header!)), { alg: "HS256", kid: "abcdef" });
  const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const mac = await opensslBytes(
    ["dgst", "-sha256", "-hmac", "0123456789abcdef", "-binary"],
    `${header}.${b64url(kubeconfigText)}`,
  );
  assertEquals(sig, b64url(String.fromCharCode(...mac)));
});

Deno.test("the server can use an RSA cluster CA written as kubeadm writes it (PKCS#1 key)", async () => {
  await using dir = await tempDir();
  const key = `${dir.path}/ca.key`, crt = `${dir.path}/ca.crt`;
  await opensslBytes(["genrsa", "-traditional", "-out", key, "2048"]);
  await opensslBytes([
    "req",
    "-x509",
    "-new",
    "-key",
    key,
    "-subj",
    "/CN=kubernetes",
    "-days",
    "1",
    "-out",
    crt,
  ]);
  const [caCertPem, caKeyPem] = [await Deno.readTextFile(crt), await Deno.readTextFile(key)];
  assertMatch(caKeyPem, /BEGIN RSA PRIVATE KEY/);
  await using api = await startTestApiServer({ caCertPem, caKeyPem });
  assertEquals(api.caPem, caCertPem);
  const admin = await api.issueClientCert("kubernetes-admin", ["kubeadm:cluster-admins"]);
  using c = clientFor(api, admin);
  assertEquals((await whoami(api, c)).body.status.userInfo.username, "kubernetes-admin");
});

Deno.test("stopping a late server before it listens returns at once", async () => {
  const api = await startTestApiServer({ startDelayMs: 60_000 });
  const t0 = Date.now();
  await api.stop();
  if (Date.now() - t0 > 2000) throw new Error("stop() waited for the delayed start");
});
