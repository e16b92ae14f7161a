/**
 * Re-runs: kadm's record (lib/state.ts) recognises its own interrupted writes and never takes its own
 * CA for an external one; rendered files are replaced with a printed diff; `kadm certs renew` keeps
 * keys and never touches a CA; bootstrap tokens are never revived (against the test API server).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./_std.ts";
import { join } from "node:path";
import { openssl } from "./_assert.ts";
import { memoryLogger } from "../lib/log.ts";
import { runInitPhase } from "../cli/init.ts";
import { certsRenew } from "../cli/certs.ts";
import { isKadmGenerated, readState, STATE_FILE } from "../lib/state.ts";
import { unifiedDiff } from "../lib/diff.ts";
import { e2eEnv, TOKEN } from "./support/e2e.ts";
import { call, clientFor } from "./support/apiserver_client.ts";
import type { TestApiServer } from "./support/apiserver.ts";

const PKI = "etc/kubernetes/pki";

function cfgText(extra: string[] = []): string {
  return [
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: InitConfiguration",
    "localAPIEndpoint:",
    "  advertiseAddress: 10.0.0.10",
    "nodeRegistration:",
    "  name: rerun-node",
    "  criSocket: unix:///run/containerd/containerd.sock",
    "---",
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: ClusterConfiguration",
    "kubernetesVersion: v1.34.7",
    "encryptionAlgorithm: ECDSA-P256",
    ...extra,
    "",
  ].join("\n");
}

async function phase(words: string[], root: string, cfg: string) {
  const log = memoryLogger();
  await runInitPhase(words, { rootfs: root, config: cfg }, log);
  return log;
}

async function withRoot(fn: (root: string, cfg: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "kadm-rerun-" });
  try {
    const cfg = join(root, "cfg.yaml");
    await Deno.writeTextFile(cfg, cfgText());
    await fn(root, cfg);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a key kadm wrote without its certificate (a killed run) is generated again", () =>
  withRoot(async (root, cfg) => {
    await phase(["certs"], root, cfg);
    const pki = join(root, PKI);
    assertEquals((await Deno.stat(join(pki, STATE_FILE))).mode! & 0o777, 0o600);
    const oldKey = await Deno.readTextFile(`${pki}/apiserver.key`);
    await Deno.remove(`${pki}/apiserver.crt`);
    await Deno.remove(`${pki}/etcd/ca.crt`); // a CA key without its certificate, before any leaf of it
    for (const l of ["server", "peer", "healthcheck-client"]) {
      for (const ext of ["crt", "key"]) await Deno.remove(`${pki}/etcd/${l}.${ext}`);
    }
    for (const ext of ["crt", "key"]) await Deno.remove(`${pki}/apiserver-etcd-client.${ext}`);
    const log = await phase(["certs"], root, cfg);
    assert(
      log.lines.some((l) =>
        /Found .*\/apiserver\.key without its certificate, left by an interrupted/.test(l)
      ),
    );
    assert(log.lines.some((l) => /Found .*\/etcd\/ca\.key without its certificate/.test(l)));
    assert(oldKey !== await Deno.readTextFile(`${pki}/apiserver.key`));
    await openssl(["verify", "-CAfile", `${pki}/ca.crt`, `${pki}/apiserver.crt`]);
    await openssl(["verify", "-CAfile", `${pki}/etcd/ca.crt`, `${pki}/etcd/server.crt`]);
    assert(await isKadmGenerated(pki, "ca"));
    assert(await isKadmGenerated(pki, "etcd/ca"));
    assert(await isKadmGenerated(pki, "sa"));
  }));

Deno.test("a key kadm did not write is still refused without its certificate", () =>
  withRoot(async (root, cfg) => {
    await phase(["certs"], root, cfg);
    const pki = join(root, PKI);
    await Deno.remove(`${pki}/apiserver.crt`);
    await Deno.remove(join(pki, STATE_FILE));
    await assertRejects(
      () => phase(["certs"], root, cfg),
      /a key is only usable with its certificate/,
    );
  }));

Deno.test("a CA certificate kadm generated without its key is not taken for an external CA", () =>
  withRoot(async (root, cfg) => {
    await phase(["certs"], root, cfg);
    const pki = join(root, PKI);
    await Deno.remove(`${pki}/ca.key`);
    const e = await assertRejects(() => phase(["certs"], root, cfg));
    assertMatch(
      (e as Error).message,
      /kadm generated that certificate .* so it is not an external CA: restore .*ca\.key/,
    );
    assertEquals(await isKadmGenerated(pki, "ca"), true);
    // A user's CA (not in the record) keeps external CA mode, and reset keeps it.
    await Deno.remove(join(pki, STATE_FILE));
    await phase(["certs"], root, cfg);
    assertEquals(await isKadmGenerated(pki, "ca"), false);
  }));

Deno.test("certs renew keeps the key, extends the leaf and refuses a CA or an external CA", () =>
  withRoot(async (root, cfg) => {
    await phase(["certs"], root, cfg);
    const pki = join(root, PKI);
    const before = await Deno.readTextFile(`${pki}/apiserver.crt`);
    const key = await Deno.readTextFile(`${pki}/apiserver.key`);
    const ca = await Deno.readTextFile(`${pki}/ca.crt`);
    const later = new Date(Date.now() + 300 * 86_400_000);
    const log = memoryLogger();
    await certsRenew(["apiserver"], { rootfs: root }, log, later);
    assertMatch(
      log.lines[0]!,
      /^\[certs\] Renewed the "apiserver" certificate .*apiserver\.crt: valid until /,
    );
    assertEquals(await Deno.readTextFile(`${pki}/apiserver.key`), key);
    assertEquals(await Deno.readTextFile(`${pki}/ca.crt`), ca);
    assert(before !== await Deno.readTextFile(`${pki}/apiserver.crt`));
    const sans = (pem: string) => openssl(["x509", "-noout", "-ext", "subjectAltName,extendedKeyUsage"], pem);
    assertEquals(await sans(await Deno.readTextFile(`${pki}/apiserver.crt`)), await sans(before));
    const at = String(Math.floor(later.getTime() / 1000));
    await openssl(["verify", "-attime", at, "-CAfile", `${pki}/ca.crt`, `${pki}/apiserver.crt`]);
    assert(await isKadmGenerated(pki, "apiserver"), "the record follows the renewed certificate");
    await assertRejects(
      () => certsRenew(["ca"], { rootfs: root }, memoryLogger()),
      /never renews a CA/,
    );
    await Deno.remove(`${pki}/front-proxy-ca.key`);
    await Deno.remove(join(pki, STATE_FILE));
    await assertRejects(
      () => certsRenew(["front-proxy-client"], { rootfs: root }, memoryLogger()),
      /an external CA/,
    );
  }));

Deno.test("a leaf within 30 days of expiry is kept with a warning naming the file and the date", () =>
  withRoot(async (root, cfg) => {
    await phase(["certs"], root, cfg);
    const soon = new Date(Date.now() - 350 * 86_400_000); // renewed "350 days ago": 15 days left
    await certsRenew(["apiserver"], { rootfs: root }, memoryLogger(), soon);
    const log = await phase(["certs"], root, cfg);
    const w = log.warnings.find((l) => l.includes("apiserver.crt expires on"));
    assert(w, log.warnings.join("\n"));
    assertMatch(
      w,
      /the certificate .*\/apiserver\.crt expires on \d{4}-\d\d-\d\dT.* \(in 1[45] days\): renew it with 'kadm certs renew apiserver'/,
    );
  }));

Deno.test("a re-run with other flags replaces the manifest and the kubelet file and prints the diff", () =>
  withRoot(async (root, cfg) => {
    await phase(["control-plane", "scheduler"], root, cfg);
    await phase(["kubelet-start"], root, cfg).catch(() => {});
    await Deno.writeTextFile(
      cfg,
      cfgText(["scheduler:", "  extraArgs:", "  - name: v", '    value: "4"']) +
        "---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 42\n",
    );
    const log = await phase(["control-plane", "scheduler"], root, cfg);
    const i = log.lines.findIndex((l) => l.startsWith("[control-plane] Updated static Pod manifest"));
    assert(i >= 0, log.lines.join("\n"));
    assertMatch(log.lines[i + 1]!, /^--- .*kube-scheduler\.yaml \(on disk\)$/);
    assert(log.lines.includes("+    - --v=4"), log.lines.join("\n"));
    const k = await phase(["kubelet-start"], root, cfg);
    assert(k.lines.includes("+maxPods: 42"), k.lines.join("\n"));
    const again = await phase(["control-plane", "scheduler"], root, cfg);
    assert(!again.lines.some((l) => l.startsWith("[control-plane] Updated")), "unchanged the third time");
  }));

Deno.test("unifiedDiff shows only the changed lines with a little context", () => {
  const a = "a\nb\nc\nd\ne\nf\ng\n", b = "a\nb\nc\nD\ne\nf\ng\nh\n";
  assertEquals(unifiedDiff(a, b, "x", { context: 1 }), [
    "--- x (on disk)",
    "+++ x (new)",
    "@@ -3,3 +3,3 @@",
    " c",
    "-d",
    "+D",
    " e",
    "@@ -7,1 +7,2 @@",
    " g",
    "+h",
  ]);
  assertEquals(unifiedDiff(a, a, "x"), []);
});

// ---------------------------------------------------------------- tokens, against the test API server

function tokenLine(lines: readonly string[]): string | undefined {
  return lines.find((l) => l.startsWith("[bootstrap-token] Using token: "))?.slice(31);
}

const secretCreates = (api: TestApiServer) =>
  api.requests.filter((r) => r.method === "POST" && r.path.endsWith("/secrets") && r.code === 201).length;

async function deleteSecret(api: TestApiServer, id: string): Promise<void> {
  const admin = await api.issueClientCert("test-admin", ["system:masters"]);
  const r = await call(
    api,
    clientFor(api, admin),
    "DELETE",
    `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`,
  );
  assert(r.status === 200, `delete: ${r.status}`);
}

Deno.test("a generated token is created only by the first init and never revived", async () => {
  await using env = await e2eEnv("v1.34.7");
  await using api = await env.startApi();
  await env.writeConfig({ apiPort: api.port, generatedToken: true });
  const first = await env.init();
  if (first.error) throw first.error;
  const token = tokenLine(first.lines)!;
  assertEquals(secretCreates(api), 1);
  assertEquals((await readState(join(env.root, PKI))).bootstrapTokens, [token.slice(0, 6)]);
  const again = await env.init();
  if (again.error) throw again.error;
  assertEquals(tokenLine(again.lines), token, "the re-run joins with the first init's token");
  assertEquals(secretCreates(api), 1);
  await deleteSecret(api, token.slice(0, 6));
  const third = await env.init();
  if (third.error) throw third.error;
  assertEquals(secretCreates(api), 1, "a deleted token is not replaced by a new generated one");
  assertEquals(tokenLine(third.lines), undefined);
  assert(third.warnings.some((w) => w.includes("expired or was deleted")), third.warnings.join("\n"));
  assert(third.lines.some((l) => l.includes("--token <value withheld>")));
});

Deno.test("a given token still valid is left as it is, and once deleted is not revived", async () => {
  await using env = await e2eEnv("v1.34.7");
  await using api = await env.startApi();
  await env.writeConfig({ apiPort: api.port });
  const first = await env.init();
  if (first.error) throw first.error;
  assertEquals(secretCreates(api), 1);
  const again = await env.init();
  if (again.error) throw again.error;
  const writes = api.requests.filter((r) => r.path.includes("bootstrap-token-") && r.method !== "GET");
  assertEquals(writes.map((r) => r.method), [], "no update of a valid token");
  assertEquals(tokenLine(again.lines), TOKEN);
  await deleteSecret(api, TOKEN.slice(0, 6));
  const third = await env.init();
  if (third.error) throw third.error;
  assertEquals(secretCreates(api), 1);
  assert(third.warnings.some((w) => w.includes("kadm does not revive it")), third.warnings.join("\n"));
});
