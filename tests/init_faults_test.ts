/**
 * `kadm init` against a test API server that misbehaves: the first calls answer 500 or 429 (with
 * Retry-After), connections drop, answers are slow, the server starts listening late. Init still
 * completes and creates each object exactly once (successful POSTs per object in the request log).
 * A server kadm must not trust (certificate from another CA, or for another name) stops init with one
 * clear line naming the server, and no stack trace.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "./_std.ts";
import type { FaultRule, TestApiServer, TestApiServerOptions } from "./support/apiserver.ts";
import {
  e2eEnv,
  type E2eVersion,
  expectedCreates,
  kadmSubprocess,
  NODE,
  phaseInProcess,
  successfulCreates,
  TOKEN,
} from "./support/e2e.ts";

/** Short v1beta4 timeouts so a run that should fail, fails fast. */
const FAST = { kubernetesAPICall: "10s", controlPlaneComponentHealthCheck: "20s", kubeletHealthCheck: "20s" };

interface Scenario {
  readonly version: E2eVersion;
  readonly server?: TestApiServerOptions;
  readonly faults?: readonly FaultRule[];
  readonly timeouts?: Readonly<Record<string, string>>;
  /** Generate the certificates before the server starts (so its start delay is not spent on keys). */
  readonly certsFirst?: boolean;
}

/** Runs init under the scenario; asserts it completed and created every object exactly once. */
async function initCompletes(s: Scenario): Promise<TestApiServer> {
  await using env = await e2eEnv(s.version);
  if (s.certsFirst) await phaseInProcess(["certs"], env.root, env.cfgPath);
  const api = await env.startApi({ ...s.server, faults: s.faults ?? [] });
  try {
    await env.writeConfig({ apiPort: api.port, timeouts: s.timeouts ?? FAST });
    const run = await env.init();
    if (run.error) throw run.error;
    const created = successfulCreates(api);
    for (const [key, n] of created) assertEquals(n, 1, `${key} was created ${n} times`);
    assertEquals([...created.keys()].sort(), expectedCreates(s.version, TOKEN.split(".")[0]!));
    const node = api.get(`/api/v1/nodes/${NODE}`)!;
    const taints = (node.spec.taints as { key: string }[]).map((t) => t.key);
    assertEquals(taints.length, 1, `one control-plane taint, got ${taints}`);
    assertMatch(run.lines.at(-1)!, /--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} $/);
    return api;
  } finally {
    // The test server's stop() waits forever for a delayed start it has cancelled: let it start first.
    await api.listening.catch(() => {});
    await api.stop();
  }
}

const faulted = (api: TestApiServer, kind: string) => api.requests.filter((r) => r.fault === kind).length;

// Faults are spread over several paths: a call that fails many times in a row ends at its own timeout
// (kubernetesAPICall), as kubeadm's would.
const POSTS = { configmaps: /\/configmaps$/, bindings: /\/clusterrolebindings$/, secrets: /\/secrets$/ };

Deno.test("init completes, each object once, when the first API calls fail with 500", async () => {
  const api = await initCompletes({
    version: "v1.34.7",
    faults: [
      { method: "POST", path: POSTS.configmaps, kind: "status", code: 500, times: 2 },
      { method: "POST", path: POSTS.bindings, kind: "status", code: 500, times: 2 },
      { method: "POST", path: POSTS.secrets, kind: "status", code: 503, times: 1 },
      { method: "PATCH", kind: "status", code: 500, times: 1 },
      { method: "GET", kind: "status", code: 503, times: 2 },
    ],
  });
  assertEquals(faulted(api, "status"), 8, "every injected fault was hit");
});

Deno.test("init completes, each object once, when the server answers 429 with Retry-After", async () => {
  const api = await initCompletes({
    version: "v1.34.7",
    faults: [
      { method: "POST", path: POSTS.configmaps, kind: "status", code: 429, retryAfterSeconds: 1, times: 2 },
      { method: "POST", path: POSTS.bindings, kind: "status", code: 429, retryAfterSeconds: 1, times: 2 },
    ],
  });
  const limited = api.requests.filter((r) => r.code === 429);
  assertEquals(limited.length, 4);
  // The retry of each limited request waited for Retry-After (1 s).
  for (const l of limited) {
    const name = (l.body as { metadata: { name: string } }).metadata.name;
    const retry = api.requests.find((r) =>
      r.at > l.at && r.method === "POST" && r.path === l.path &&
      (r.body as { metadata?: { name?: string } } | undefined)?.metadata?.name === name
    );
    assert(retry, `${l.path}/${name} was not retried`);
    assert(retry.at - l.at >= 950, `${l.path}/${name} retried after ${Math.round(retry.at - l.at)} ms`);
  }
});

Deno.test("init completes, each object once, when connections drop", async () => {
  const api = await initCompletes({
    version: "v1.34.7",
    faults: [
      { method: "POST", path: POSTS.configmaps, kind: "drop", times: 2 },
      { method: "POST", path: POSTS.bindings, kind: "drop", times: 2 },
      { method: "POST", path: POSTS.secrets, kind: "drop", times: 1 },
      { method: "PATCH", kind: "drop", times: 1 },
      { method: "GET", kind: "drop", times: 2 },
    ],
  });
  assertEquals(faulted(api, "drop"), 8);
});

Deno.test("init completes, each object once, when answers are slow", async () => {
  const api = await initCompletes({
    version: "v1.34.7",
    faults: [
      { kind: "delay", ms: 150, times: 20 },
      { method: "PATCH", kind: "delay", ms: 1500, times: 1 },
    ],
  });
  assert(faulted(api, "delay") >= 20);
});

Deno.test("init v1.20 completes, each object once, under 500s, 429s, drops and delays together", async () => {
  const api = await initCompletes({
    version: "v1.20.2",
    faults: [
      { method: "POST", path: POSTS.configmaps, kind: "status", code: 500, times: 2 },
      { method: "POST", path: POSTS.bindings, kind: "status", code: 429, retryAfterSeconds: 1, times: 2 },
      { method: "POST", path: POSTS.secrets, kind: "drop", times: 1 },
      { method: "POST", path: /\/roles$/, kind: "drop", times: 2 },
      { method: "PATCH", kind: "status", code: 500, times: 1 },
      { method: "GET", kind: "drop", times: 2 },
      { kind: "delay", ms: 100, times: 10 },
    ],
  });
  assertEquals(api.requests.filter((r) => r.fault === "status" || r.fault === "drop").length, 10);
});

Deno.test("init waits for an API server that starts listening late (v1.20)", async () => {
  const api = await initCompletes({ version: "v1.20.2", server: { startDelayMs: 3000 }, certsFirst: true });
  assert(api.requests[0]!.at >= 3000, "nothing reached the server before it listened");
});

Deno.test("a late API server is waited for up to the health-check timeout, not one API-call timeout (v1.34)", async () => {
  // kubeadm's wait-control-plane polls with a plain admin.conf client (WaitControlPlaneClient); the
  // cluster-admins binding is created only once the API server is healthy.
  const api = await initCompletes({
    version: "v1.34.7",
    server: { startDelayMs: 5000 },
    certsFirst: true,
    timeouts: { kubernetesAPICall: "2s", controlPlaneComponentHealthCheck: "20s" },
  });
  const first = api.requests[0]!;
  assertEquals(`${first.method} ${first.path}`, "GET /livez");
  assert(first.at >= 5000, "nothing reached the server before it listened");
});

// ---------------------------------------------------------------- servers kadm must not trust

async function initRefused(version: E2eVersion, serving: TestApiServerOptions["serving"]) {
  await using env = await e2eEnv(version);
  await using api = await env.startApi({ serving });
  await env.writeConfig({ apiPort: api.port, timeouts: FAST });
  const r = await kadmSubprocess([
    "init",
    "--rootfs",
    env.root,
    "--config",
    env.cfgPath,
    "--ignore-preflight-errors",
    "all",
  ]);
  assert(r.code !== 0, `init succeeded:\n${r.stdout}`);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error"));
  assertEquals(errors.length, 1, r.stderr);
  assertNotMatch(r.stderr, /\n\s+at |Stack backtrace|Uncaught/, `stack trace in:\n${r.stderr}`);
  assertEquals(r.stderr.trimEnd().split("\n").at(-1), errors[0], "the error is the last line");
  assertEquals(api.requests.filter((q) => q.code !== 0).length, 0, "no request got through");
  return { line: errors[0]!, url: api.url };
}

for (const version of ["v1.20.2", "v1.34.7"] as const) {
  Deno.test(`init ${version} stops with one clear line when the server's certificate is from another CA`, async () => {
    const { line, url } = await initRefused(version, { signer: "other-ca" });
    assertMatch(line, /^error execution phase wait-control-plane: Cannot trust the API server /);
    assert(line.includes(url), line);
    assertMatch(line, /not signed by the cluster CA/);
  });

  Deno.test(`init ${version} stops with one clear line when the server's certificate is for another name`, async () => {
    const { line, url } = await initRefused(version, { dnsNames: ["elsewhere.example"], ips: ["10.1.2.3"] });
    assertMatch(line, /^error execution phase wait-control-plane: Cannot trust the API server /);
    assert(line.includes(url), line);
    assertMatch(line, /not valid for/);
  });
}
