/**
 * The API client against a small HTTPS stub in this file (node:https, client certificates requested
 * and checked against the test CA), and the dry-run printer against kubeadm v1.20.2's transcript.
 * The full test API server lives in tests/support/apiserver.ts; this stub only answers what each
 * test scripts.
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { assert, assertEquals, assertMatch, assertRejects } from "./_std.ts";
import { testKeySource } from "./support/keys.ts";
import { certToPem, createCertificate } from "../lib/pki/certs.ts";
import { privateKeyToPem } from "../lib/pki/keys.ts";
import { renderKubeconfig } from "../lib/kubeconfig.ts";
import { memoryLogger } from "../lib/log.ts";
import { UserError } from "../lib/errors.ts";
import {
  ApiError,
  clientFromKubeconfig,
  type ClientOptions,
  type Clock,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  type KubeObject,
  newClient,
  newDryRunClient,
  pathFor,
  REDACTED,
} from "../lib/kubeapi.ts";

// ---------------------------------------------------------------- certificates

async function makePki() {
  const keys = testKeySource();
  const t0 = new Date(Date.now() - 3600_000);
  const t1 = new Date(Date.now() + 86400_000);
  const base = {
    orgs: [],
    dnsNames: [],
    ips: [],
    usages: [],
    leafBasicConstraints: true,
    notBefore: t0,
    notAfter: t1,
  };
  const ca = async (cn: string) => {
    const k = await keys.generate("ECDSA-P256");
    return { cert: await createCertificate({ ...base, cn, isCA: true, serial: 1n }, k), key: k };
  };
  const leaf = async (
    issuer: Awaited<ReturnType<typeof ca>>,
    t: {
      cn: string;
      orgs?: string[];
      dnsNames?: string[];
      ips?: string[];
      usages: ("serverAuth" | "clientAuth")[];
    },
  ) => {
    const k = await keys.generate("ECDSA-P256");
    const cert = await createCertificate({ ...base, ...t, isCA: false, serial: 2n }, k, {
      cert: issuer.cert,
      key: issuer.key.privateKey,
    });
    return { certPem: certToPem(cert), keyPem: await privateKeyToPem(k.privateKey) };
  };
  const cluster = await ca("kubernetes");
  const other = await ca("another-ca");
  return {
    caPem: certToPem(cluster.cert),
    otherCaPem: certToPem(other.cert),
    server: await leaf(cluster, { cn: "kube-apiserver", ips: ["127.0.0.1"], usages: ["serverAuth"] }),
    serverOtherName: await leaf(cluster, {
      cn: "kube-apiserver",
      dnsNames: ["kubernetes"],
      usages: ["serverAuth"],
    }),
    admin: await leaf(cluster, { cn: "kubernetes-admin", orgs: ["system:masters"], usages: ["clientAuth"] }),
    stranger: await leaf(other, { cn: "intruder", usages: ["clientAuth"] }),
  };
}

const PKI = await makePki();
const TOKEN = "abcdef.0123456789abcdef";

// ---------------------------------------------------------------- the stub

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly user: string | undefined;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "drop" | "hang";

function status(code: number, reason: string, message: string, headers: Record<string, string> = {}): Reply {
  const body = { kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code };
  return { status: code, body, headers };
}

interface Stub extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly seen: Seen[];
}

/** An HTTPS server on 127.0.0.1 that requires a client certificate from the test CA (else 401). */
async function startStub(
  handle: (req: Seen, n: number) => Reply,
  o: { port?: number; serverCert?: { certPem: string; keyPem: string } } = {},
): Promise<Stub> {
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];
  const cert = o.serverCert ?? PKI.server;
  const server = https.createServer(
    { key: cert.keyPem, cert: cert.certPem, ca: [PKI.caPem], requestCert: true, rejectUnauthorized: false },
    (req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.on("data", (c: Uint8Array) => body += new TextDecoder().decode(c));
      req.on("end", () => {
        const sock = req.socket as TLSSocket;
        const cn = sock.authorized ? sock.getPeerCertificate()?.subject?.CN : undefined;
        const s: Seen = {
          method: req.method ?? "",
          path: req.url ?? "",
          contentType: req.headers["content-type"],
          body,
          user: typeof cn === "string"
            ? cn
            : req.headers.authorization === `Bearer ${TOKEN}`
            ? "system:bootstrap:abcdef"
            : undefined,
        };
        const reply = s.user ? handle(s, seen.push(s)) : status(401, "Unauthorized", "Unauthorized");
        if (reply === "drop") return void req.socket.destroy();
        if (reply === "hang") return void hanging.push(res);
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    async [Symbol.asyncDispose]() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function opts(url: string, more: Partial<ClientOptions> = {}): ClientOptions {
  return { server: url, caPem: PKI.caPem, ...PKI.admin, timeoutMs: 5000, intervalMs: 10, ...more };
}

/** A clock whose sleeps return at once and advance time; records what was slept. */
function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { slept, now: () => t, sleep: (ms) => (slept.push(ms), t += ms, Promise.resolve()) };
}

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "kube-system" },
  data,
});
const CM_PATH = "/api/v1/namespaces/kube-system/configmaps";

// ---------------------------------------------------------------- paths

Deno.test("paths follow the kinds table and cluster-scoped kinds never get a namespace", () => {
  assertEquals(pathFor(cm("kubeadm-config")), `${CM_PATH}/kubeadm-config`);
  assertEquals(
    pathFor({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      namespace: "kube-system",
      name: "x",
    }),
    "/apis/rbac.authorization.k8s.io/v1/clusterroles/x",
  );
  assertEquals(pathFor({ apiVersion: "v1", kind: "Node", name: "master-1" }), "/api/v1/nodes/master-1");
  assertEquals(
    pathFor({ apiVersion: "apps/v1", kind: "DaemonSet", namespace: "kube-system" }),
    "/apis/apps/v1/namespaces/kube-system/daemonsets",
  );
  assertMatch(
    (() => {
      try {
        pathFor({ apiVersion: "v1", kind: "Pony", name: "x" });
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })(),
    /^Unsupported API object v1\/Pony/,
  );
});

// ---------------------------------------------------------------- TLS

Deno.test("the client authenticates with its certificate and trusts the cluster CA", async () => {
  await using stub = await startStub(() => ({ status: 200, body: cm("x") }));
  using c = newClient(opts(stub.url));
  assertEquals((await c.get(cm("x"))).metadata.name, "x");
  assertEquals(stub.seen[0]?.user, "kubernetes-admin");
  assertEquals(stub.seen[0]?.path, `${CM_PATH}/x`);
});

Deno.test("clientFromKubeconfig takes server, CA and client certificate from the current context", async () => {
  await using stub = await startStub(() => ({ status: 200, body: cm("x") }));
  const text = renderKubeconfig({
    clusterName: "kubernetes",
    server: stub.url,
    user: "kubernetes-admin",
    caPem: PKI.caPem,
    ...PKI.admin,
  });
  using c = clientFromKubeconfig(text, "/etc/kubernetes/admin.conf", { timeoutMs: 5000 });
  await c.get(cm("x"));
  assertEquals(stub.seen[0]?.user, "kubernetes-admin");
});

Deno.test("clientFromKubeconfig sends a bearer token and reads files the kubeconfig names", async () => {
  await using stub = await startStub(() => ({ status: 200, body: cm("x") }));
  const text = [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    "    certificate-authority: pki/ca.crt",
    `    server: ${stub.url}`,
    "  name: k",
    "contexts:",
    "- context: {cluster: k, user: t}",
    "  name: t@k",
    "current-context: t@k",
    "kind: Config",
    "users:",
    "- name: t",
    `  user: {token: "${TOKEN}"}`,
  ].join("\n");
  const read: string[] = [];
  using c = clientFromKubeconfig(text, "/etc/kubernetes/bootstrap.conf", {
    readFile: (p) => (read.push(p), PKI.caPem),
  });
  await c.get(cm("x"));
  assertEquals(read, ["/etc/kubernetes/pki/ca.crt"]);
  assertEquals(stub.seen[0]?.user, "system:bootstrap:abcdef");
});

Deno.test("a client certificate from another CA is answered with Unauthorized", async () => {
  await using stub = await startStub(() => ({ status: 200, body: cm("x") }));
  using c = newClient(opts(stub.url, PKI.stranger));
  const e = await assertRejects(
    () => c.get(cm("x")),
    /refused GET .*\(401 Unauthorized\): check the client certificate/,
  );
  assert(e instanceof ApiError && e.code === 401);
});

Deno.test("a server certificate from another CA ends in a clear error without retries", async () => {
  await using stub = await startStub(() => ({ status: 200, body: cm("x") }));
  using c = newClient(opts(stub.url, { caPem: PKI.otherCaPem }));
  const e = await assertRejects(() => c.get(cm("x")));
  assert(e instanceof UserError);
  assertMatch(
    e.message,
    new RegExp(`^Cannot trust the API server ${stub.url}: its certificate is not signed by the cluster CA`),
  );
  assertMatch(e.message, /check controlPlaneEndpoint and the advertise address/);
  assertEquals(stub.seen.length, 0);
});

Deno.test("a server certificate for another name ends in a clear error", async () => {
  await using stub = await startStub(() => ({ status: 200, body: {} }), { serverCert: PKI.serverOtherName });
  using c = newClient(opts(stub.url));
  await assertRejects(
    () => c.get(cm("x")),
    /^Cannot trust the API server https:\/\/127\.0\.0\.1:\d+: its certificate is not valid for 127\.0\.0\.1/,
  );
});

Deno.test("there is no way to build a client without the cluster CA or over plain http", () => {
  for (
    const o of [{ server: "https://127.0.0.1:6443", caPem: "" }, {
      server: "http://127.0.0.1:6443",
      caPem: PKI.caPem,
    }]
  ) {
    try {
      newClient(o);
      throw new Error("expected a UserError");
    } catch (e) {
      assert(e instanceof UserError, String(e));
    }
  }
});

// ---------------------------------------------------------------- Status errors

Deno.test("Status answers become typed errors with code, reason and message", async () => {
  const answers: Reply[] = [
    status(404, "NotFound", 'configmaps "x" not found'),
    status(409, "AlreadyExists", 'configmaps "x" already exists'),
    status(409, "Conflict", "the object has been modified"),
    status(403, "Forbidden", 'configmaps "x" is forbidden: User "u" cannot get resource'),
    { status: 401, body: "Unauthorized" },
  ];
  await using stub = await startStub((_r, n) => answers[n - 1]!);
  using c = newClient(opts(stub.url));
  const errs: ApiError[] = [];
  for (let i = 0; i < answers.length; i++) errs.push(await assertRejects(() => c.get(cm("x"))) as ApiError);
  assertEquals(errs.map((e) => [e.code, e.reason]), [
    [404, "NotFound"],
    [409, "AlreadyExists"],
    [409, "Conflict"],
    [403, "Forbidden"],
    [401, "Unauthorized"],
  ]);
  assert(isNotFound(errs[0]) && isAlreadyExists(errs[1]) && isConflict(errs[2]) && isForbidden(errs[3]));
  assert(!isConflict(errs[1]) && !isNotFound(errs[3]));
  assertEquals(errs[0]!.serverMessage, 'configmaps "x" not found');
  assertEquals(
    errs[0]!.message,
    `The API server ${stub.url} refused GET ${CM_PATH}/x: configmaps "x" not found (404 NotFound)`,
  );
  assertMatch(errs[3]!.message, /lacks the RBAC permission/);
  assertEquals(stub.seen.length, 5);
});

// ---------------------------------------------------------------- idempotent writes

Deno.test("createOrUpdate turns AlreadyExists into GET and PUT with the fresh resourceVersion", async () => {
  await using stub = await startStub((r) =>
    r.method === "POST"
      ? status(409, "AlreadyExists", 'configmaps "x" already exists')
      : r.method === "GET"
      ? {
        status: 200,
        body: {
          ...cm("x", { old: "1" }),
          metadata: { name: "x", namespace: "kube-system", resourceVersion: "7" },
        },
      }
      : { status: 200, body: JSON.parse(r.body) }
  );
  using c = newClient(opts(stub.url));
  const out = await c.createOrUpdate(cm("x", { new: "2" }));
  assertEquals(stub.seen.map((s) => `${s.method} ${s.path}`), [
    `POST ${CM_PATH}`,
    `GET ${CM_PATH}/x`,
    `PUT ${CM_PATH}/x`,
  ]);
  assertEquals(out.metadata.resourceVersion, "7");
  assertEquals(out.data, { new: "2" });
  assertEquals(stub.seen[0]!.contentType, "application/json");
});

Deno.test("createOrUpdate reads again and retries when the update conflicts", async () => {
  let rv = 7;
  await using stub = await startStub((r, n) => {
    if (r.method === "POST") return status(409, "AlreadyExists", "exists");
    if (r.method === "GET") {
      return { status: 200, body: { ...cm("x"), metadata: { name: "x", resourceVersion: String(rv++) } } };
    }
    return n === 3
      ? status(409, "Conflict", "the object has been modified")
      : { status: 200, body: JSON.parse(r.body) };
  });
  using c = newClient(opts(stub.url));
  const out = await c.createOrUpdate(cm("x", { a: "b" }));
  assertEquals(stub.seen.map((s) => s.method), ["POST", "GET", "PUT", "GET", "PUT"]);
  assertEquals(out.metadata.resourceVersion, "8");
});

Deno.test("createOrMutate creates, or changes the stored object with the mutate function", async () => {
  await using stub = await startStub((r) =>
    r.method === "POST" ? status(409, "AlreadyExists", "exists") : r.method === "GET"
      ? {
        status: 200,
        body: {
          ...cm("x", { keep: "1" }),
          metadata: { name: "x", namespace: "kube-system", resourceVersion: "3" },
        },
      }
      : { status: 200, body: JSON.parse(r.body) }
  );
  using c = newClient(opts(stub.url));
  const out = await c.createOrMutate(cm("x", { ignored: "y" }), (o) => {
    (o.data as Record<string, string>).added = "2";
  });
  assertEquals(out.data, { keep: "1", added: "2" });
  assertEquals(out.metadata.resourceVersion, "3");
});

// ---------------------------------------------------------------- retries and timeouts

Deno.test("a 500 answer is retried until the server recovers", async () => {
  await using stub = await startStub((_r, n) =>
    n <= 2 ? status(500, "InternalError", "etcd is away") : { status: 201, body: cm("x") }
  );
  using c = newClient(opts(stub.url));
  await c.create(cm("x"));
  assertEquals(stub.seen.length, 3);
});

Deno.test("a 429 answer is retried after its Retry-After", async () => {
  await using stub = await startStub((_r, n) =>
    n === 1
      ? status(429, "TooManyRequests", "slow down", { "Retry-After": "2" })
      : { status: 200, body: cm("x") }
  );
  const clock = fakeClock();
  using c = newClient(opts(stub.url, { clock }));
  await c.get(cm("x"));
  assertEquals(clock.slept, [2000]);
  assertEquals(stub.seen.length, 2);
});

Deno.test("a dropped connection is retried", async () => {
  await using stub = await startStub((_r, n) => n === 1 ? "drop" : { status: 200, body: cm("x") });
  using c = newClient(opts(stub.url));
  await c.get(cm("x"));
  assertEquals(stub.seen.length, 2);
});

Deno.test("connection refused is retried until the server comes up", async () => {
  const probe = await startStub(() => ({ status: 200 }));
  const port = probe.port;
  await probe[Symbol.asyncDispose]();
  using c = newClient(opts(`https://127.0.0.1:${port}`));
  let late: Stub | undefined;
  const timer = setTimeout(
    async () => late = await startStub(() => ({ status: 200, body: cm("x") }), { port }),
    200,
  );
  try {
    assertEquals((await c.get(cm("x"))).metadata.name, "x");
  } finally {
    clearTimeout(timer);
    await late?.[Symbol.asyncDispose]();
  }
});

Deno.test("the overall timeout ends the retries with the last error", async () => {
  await using stub = await startStub(() => status(503, "ServiceUnavailable", "not ready"));
  using c = newClient(opts(stub.url, { timeoutMs: 300, intervalMs: 20 }));
  const t0 = performance.now();
  const e = await assertRejects(() => c.get(cm("x")), /\(503 ServiceUnavailable\)$/);
  assert(e instanceof ApiError);
  assert(performance.now() - t0 < 2000);
  assert(stub.seen.length >= 3, `only ${stub.seen.length} attempts`);
});

Deno.test("an unreachable or silent server ends in a clear error after the timeout", async () => {
  const probe = await startStub(() => ({ status: 200 }));
  await probe[Symbol.asyncDispose]();
  using refused = newClient(opts(probe.url, { timeoutMs: 300, intervalMs: 20 }));
  await assertRejects(
    () => refused.get(cm("x")),
    new RegExp(
      `^Cannot reach the API server ${probe.url} \\(GET ${CM_PATH}/x\\): Connection refused after \\d+ attempts in 0\\.3s`,
    ),
  );
  await using silent = await startStub(() => "hang");
  using c = newClient(opts(silent.url, { timeoutMs: 300 }));
  await assertRejects(
    () => c.get(cm("x")),
    /^Cannot reach the API server .*: no answer in time after 1 attempts in 0\.3s/,
  );
});

// ---------------------------------------------------------------- patches and Nodes

Deno.test("each patch kind is sent with its content type", async () => {
  await using stub = await startStub(() => ({ status: 200, body: cm("x") }));
  using c = newClient(opts(stub.url));
  await c.patch(cm("x"), { data: { a: null } }, "merge");
  await c.patch(cm("x"), { data: { a: "b" } }, "strategic");
  await c.patch(cm("x"), [{ op: "remove", path: "/data/a" }], "json");
  assertEquals(stub.seen.map((s) => s.contentType), [
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
  ]);
  assertEquals(stub.seen.map((s) => s.body), [
    '{"data":{"a":null}}',
    '{"data":{"a":"b"}}',
    '[{"op":"remove","path":"/data/a"}]',
  ]);
});

Deno.test("patchNode waits for a Node the kubelet registers late", async () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "master-1" },
    spec: { taints: [{ key: "a", effect: "NoExecute" }] },
  };
  await using stub = await startStub((r, n) =>
    n <= 3
      ? status(404, "NotFound", 'nodes "master-1" not found')
      : { status: 200, body: r.method === "GET" ? node : node }
  );
  using c = newClient(opts(stub.url));
  await c.patchNode(
    "master-1",
    (n) => ({
      spec: { taints: [...(n.spec as { taints: unknown[] }).taints, { key: "b", effect: "NoSchedule" }] },
    }),
  );
  assertEquals(stub.seen.map((s) => s.method), ["GET", "GET", "GET", "GET", "PATCH"]);
  assertEquals(stub.seen[4]!.contentType, "application/strategic-merge-patch+json");
  assertEquals(JSON.parse(stub.seen[4]!.body).spec.taints.length, 2);
});

Deno.test("getNode gives up with a hint when the Node never appears", async () => {
  await using stub = await startStub(() => status(404, "NotFound", 'nodes "m" not found'));
  using c = newClient(opts(stub.url, { intervalMs: 20 }));
  await assertRejects(
    () => c.getNode("m", { timeoutMs: 150 }),
    /^Node "m" was not found in time: check that the kubelet runs/,
  );
});

Deno.test("waitHealthy polls until the server is healthy and reports progress", async () => {
  await using stub = await startStub((_r, n) =>
    n <= 2 ? { status: 500, body: "[-]etcd failed" } : { status: 200, body: "ok" }
  );
  using c = newClient(opts(stub.url));
  const progress: string[] = [];
  await c.waitHealthy("/livez", 5000, 10, (p) => progress.push(`${p.attempts} ${p.lastError}`));
  assertEquals(progress, ['1 500: "[-]etcd failed"', '2 500: "[-]etcd failed"']);
  assertEquals(stub.seen[0]!.path, "/livez");
});

// ---------------------------------------------------------------- dry-run

/** From /work/shared/reference/kubeadm-v1.20.2/init-dry-run.txt (upload-config, mark-control-plane). */
const V120_UPLOAD_CONFIG =
  `[dryrun] Would perform action CREATE on resource "configmaps" in API group "core/v1"
[dryrun] Attached object:
	apiVersion: v1
	data:
	  ClusterConfiguration: |
	    apiServer:
	      extraArgs:
	        authorization-mode: Node,RBAC
	      timeoutForControlPlane: 4m0s
	    apiVersion: kubeadm.k8s.io/v1beta2
	    certificatesDir: /etc/kubernetes/pki
	    clusterName: kubernetes
	    controllerManager: {}
	    dns:
	      type: CoreDNS
	    etcd:
	      local:
	        dataDir: /var/lib/etcd
	    imageRepository: k8s.gcr.io
	    kind: ClusterConfiguration
	    kubernetesVersion: v1.20.2
	    networking:
	      dnsDomain: cluster.local
	      podSubnet: 10.244.0.0/16
	      serviceSubnet: 10.96.0.0/12
	    scheduler: {}
	  ClusterStatus: |
	    apiEndpoints:
	      master-1:
	        advertiseAddress: 10.0.0.10
	        bindPort: 6443
	    apiVersion: kubeadm.k8s.io/v1beta2
	    kind: ClusterStatus
	kind: ConfigMap
	metadata:
	  creationTimestamp: null
	  name: kubeadm-config
	  namespace: kube-system`;

const V120_MARK_CONTROL_PLANE = `[dryrun] Would perform action GET on resource "nodes" in API group "core/v1"
[dryrun] Resource name: "master-1"
[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"
[dryrun] Resource name: "master-1"
[dryrun] Attached patch:
	{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/master":""}},"spec":{"taints":[{"effect":"NoSchedule","key":"node-role.kubernetes.io/master"}]}}`;

const V120_GET_NODES_CLUSTERROLE =
  `[dryrun] Would perform action CREATE on resource "clusterroles" in API group "rbac.authorization.k8s.io/v1"
[dryrun] Attached object:
	apiVersion: rbac.authorization.k8s.io/v1
	kind: ClusterRole
	metadata:
	  creationTimestamp: null
	  name: kubeadm:get-nodes
	  namespace: kube-system
	rules:
	- apiGroups:
	  - ""
	  resources:
	  - nodes
	  verbs:
	  - get`;

const REFERENCE = "/work/shared/reference/kubeadm-v1.20.2/init-dry-run.txt";

Deno.test("the expected dry-run lines are verbatim from the v1.20 reference transcript", async () => {
  const ref = await Deno.readTextFile(REFERENCE).catch(() => undefined);
  if (ref === undefined) return; // reference not present in this checkout
  assert(ref.includes(V120_UPLOAD_CONFIG + "\n"));
  assert(ref.includes(V120_MARK_CONTROL_PLANE + "\n"));
  assert(ref.includes(V120_GET_NODES_CLUSTERROLE + "\n"));
});

Deno.test("dry-run prints a ConfigMap create exactly as kubeadm v1.20 did", async () => {
  const lines = V120_UPLOAD_CONFIG.split("\n");
  /** The block scalar under `key`, un-indented: the ConfigMap value kubeadm had. */
  const section = (key: string) => {
    const from = lines.indexOf(`\t  ${key}: |`) + 1;
    const to = lines.findIndex((l, i) => i >= from && !l.startsWith("\t    "));
    return lines.slice(from, to).map((l) => l.slice(5) + "\n").join("");
  };
  const log = memoryLogger();
  const c = newDryRunClient({ log });
  await c.createOrUpdate(
    cm("kubeadm-config", {
      ClusterStatus: section("ClusterStatus"),
      ClusterConfiguration: section("ClusterConfiguration"),
    }),
  );
  assertEquals(log.lines.join("\n"), V120_UPLOAD_CONFIG);
});

Deno.test("dry-run prints a Node patch as GET and PATCH with the patch on one line", async () => {
  const log = memoryLogger();
  const c = newDryRunClient({ log });
  await c.patchNode("master-1", (node) => ({
    spec: { taints: [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }] },
    metadata: {
      labels: { "node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "" },
      ...(node.metadata.name === "master-1" ? {} : { wrong: "node" }),
    },
  }));
  assertEquals(log.lines.join("\n"), V120_MARK_CONTROL_PLANE);
});

Deno.test("dry-run prints a cluster-scoped object as given, namespace included, as kubeadm v1.20 did", async () => {
  const log = memoryLogger();
  const c = newDryRunClient({ log });
  await c.createOrUpdate({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { namespace: "kube-system", name: "kubeadm:get-nodes" },
    rules: [{ verbs: ["get"], apiGroups: [""], resources: ["nodes"] }],
  });
  assertEquals(log.lines.join("\n"), V120_GET_NODES_CLUSTERROLE);
});

Deno.test("dry-run redacts every Secret value", async () => {
  const log = memoryLogger();
  const c = newDryRunClient({ log });
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
    type: "bootstrap.kubernetes.io/token",
    data: { "token-id": "YWJjZGVm", "token-secret": "MDEyMzQ1Njc4OWFiY2RlZg==" },
    stringData: { extra: "0123456789abcdef" },
  };
  await assertRejects(() => c.get(secret), /secrets "bootstrap-token-abcdef" not found/);
  await c.create(secret);
  await c.patch(secret, { data: { "token-secret": "c2VjcmV0" } }, "merge");
  const out = log.lines.join("\n");
  for (const v of ["YWJjZGVm", "MDEyMzQ1Njc4OWFiY2RlZg==", "0123456789abcdef", "c2VjcmV0"]) {
    assert(!out.includes(v), v);
  }
  assert(out.includes(`\t  token-secret: ${REDACTED}\n`));
  assert(out.includes(`\t{"data":{"token-secret":"${REDACTED}"}}`));
  assertEquals(log.lines.slice(0, 2), [
    '[dryrun] Would perform action GET on resource "secrets" in API group "core/v1"',
    '[dryrun] Resource name: "bootstrap-token-abcdef"',
  ]);
});

Deno.test("dry-run answers a fake Node, the kubernetes Service and given objects, NotFound otherwise", async () => {
  const log = memoryLogger();
  const c = newDryRunClient({
    log,
    serviceSubnet: "10.96.0.0/12",
    objects: [cm("kubeadm-config", { a: "b" })],
  });
  assertEquals((await c.getNode("any-name")).metadata.labels, { "kubernetes.io/hostname": "any-name" });
  assertEquals(
    (await c.get({ apiVersion: "v1", kind: "Service", namespace: "default", name: "kubernetes" })).spec,
    {
      clusterIP: "10.96.0.1",
      ports: [{ name: "https", port: 443, targetPort: 6443 }],
    },
  );
  assertEquals((await c.get(cm("kubeadm-config"))).data, { a: "b" });
  assert(isNotFound(await assertRejects(() => c.get(cm("coredns")))));
  assertEquals(
    (await c.list({ apiVersion: "apps/v1", kind: "Deployment", namespace: "kube-system" })).items,
    [],
  );
  assertEquals(
    log.lines.at(-1),
    '[dryrun] Would perform action LIST on resource "deployments" in API group "apps/v1"',
  );
});

Deno.test("dry-run output keeps task order when the tasks run concurrently", async () => {
  const log = memoryLogger();
  const c = newDryRunClient({ log });
  const slow = async (k: typeof c | Parameters<Parameters<typeof c.all>[0][0]>[0]) => {
    await k.create(cm("first"));
    await new Promise((r) => setTimeout(r, 30));
    await k.create(cm("second"));
    return 1;
  };
  const fast = async (k: Parameters<typeof slow>[0]) => (await k.create(cm("third")), 2);
  assertEquals(await c.all([slow, fast]), [1, 2]);
  const names = log.lines.filter((l) => l.startsWith("\t  name: ")).map((l) => l.slice(9));
  assertEquals(names, ["first", "second", "third"]);
});
