/**
 * `kadm init` end to end: all phases, files under a temp root, against the test API server on
 * 127.0.0.1 (cluster CA from the root, the Node registering ~300 ms after start), for v1.20 and v1.34.
 * Judged by the objects in the server's store, the request log, the printed lines, the join command's
 * CA hash as openssl computes it, kubectl reading objects back and every kubeconfig authenticating as
 * its identity; then a re-run on the same root. Also: the v1.20 dry-run transcript equals kubeadm's.
 */
import { parse } from "yaml";
import { join } from "node:path";
import { assert, assertEquals } from "./_std.ts";
import { snapshot } from "./_assert.ts";
import { memoryLogger } from "../lib/log.ts";
import { runInit } from "../cli/init.ts";
import type { KubeObject, TestApiServer } from "./support/apiserver.ts";
import { call, clientFor, whoami } from "./support/apiserver_client.ts";
import {
  e2eEnv,
  expectedCreates,
  kubectlWhoami,
  NODE,
  opensslCaHash,
  storeKeys,
  successfulCreates,
  within,
} from "./support/e2e.ts";
import { assertClusterObjects, type Expect, RBAC, V120, V134 } from "./support/e2e_cluster.ts";

const REF = new URL("../../shared/reference/kubeadm-v1.20.2/", import.meta.url).pathname;

// ---------------------------------------------------------------- dry-run transcript

/** Secret data values (kubeadm printed them, kadm redacts them) become <value>. */
function redactSecretData(lines: string[]): string[] {
  const out = [...lines];
  let start = 0;
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && !out[i]!.startsWith("[dryrun] Would perform action")) continue;
    const block = out.slice(start, i);
    if (block.includes("\tkind: Secret")) {
      const d = block.indexOf("\tdata:");
      for (let j = d + 1; d >= 0 && j < block.length && block[j]!.startsWith("\t  "); j++) {
        out[start + j] = block[j]!.replace(/^(\t  [\w.-]+:) .*$/, "$1 <value>");
      }
    }
    start = i;
  }
  return out;
}

function normalizeTranscript(text: string, dryRunDirs: readonly string[]): string[] {
  for (const d of dryRunDirs) text = text.replaceAll(d, "<dry-run-dir>");
  const lines = text.split("\n").filter((l) =>
    !l.startsWith("\t[WARNING ") &&
    !/^\[kubelet-start\] Writing the kubelet systemd drop-in to /.test(l) &&
    l !== "[dryrun] Would restart the kubelet (systemctl daemon-reload && systemctl restart kubelet)"
  );
  return redactSecretData(lines).map((l) =>
    l.replace(/^(\s*certificate-authority-data:) \S+$/, "$1 <ca-data>")
      .replace(/sha256:[0-9a-f]{64}/, "sha256:<ca-hash>")
  );
}

Deno.test("the v1.20 dry-run transcript equals kubeadm's, but for the folder, the CA, warnings and Secret values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kadm-e2e-dryrun-" });
  try {
    const log = memoryLogger();
    await within(
      60_000,
      "kadm init --dry-run",
      runInit({ dryRun: true, dryRunDir: dir, config: join(REF, "input-config.yaml") }, log),
    );
    // kubeadm writes every file flat in its dry-run folder; kadm lays out the host's tree under it.
    const ours = normalizeTranscript(log.lines.join("\n") + "\n", [
      `${dir}/etc/kubernetes/pki`,
      `${dir}/etc/kubernetes/manifests`,
      `${dir}/var/lib/kubelet`,
      `${dir}/etc/kubernetes`,
      dir,
    ]);
    const theirs = normalizeTranscript(await Deno.readTextFile(join(REF, "init-dry-run.txt")), [
      "/etc/kubernetes/tmp/kubeadm-init-dryrunXXXX",
    ]);
    assertEquals(ours, theirs);
    assert(log.lines.some((l) => l.includes("token-secret: <redacted>")), "kadm redacts Secret data");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------- real runs

function tokenOf(lines: readonly string[]): string {
  const prefix = "[bootstrap-token] Using token: ";
  const line = lines.find((l) => l.startsWith(prefix));
  assert(line, "no token line");
  return line.slice(prefix.length);
}

/** Each expected line appears, in order (other lines may come between). */
function assertLinesInOrder(lines: readonly string[], expected: readonly (string | RegExp)[]): void {
  let at = 0;
  for (const e of expected) {
    const found = lines.findIndex((l, i) => i >= at && (typeof e === "string" ? l === e : e.test(l)));
    assert(
      found >= 0,
      `line ${String(e)} missing (or out of order) after line ${at} of:\n${lines.join("\n")}`,
    );
    at = found + 1;
  }
}

/** The cluster-admins binding: refused to admin.conf (403), then created by super-admin.conf. */
function assertClusterAdminsBootstrap(api: TestApiServer): void {
  const posts = api.requests.filter((r) =>
    r.method === "POST" && r.path === `${RBAC}/clusterrolebindings` &&
    (r.body as KubeObject | undefined)?.metadata?.name === "kubeadm:cluster-admins"
  );
  assertEquals(posts.map((r) => `${r.user} ${r.code}`), [
    "kubernetes-admin 403",
    "kubernetes-super-admin 201",
  ]);
  const superUses = api.requests.filter((r) => r.user === "kubernetes-super-admin");
  assertEquals(superUses.length, 1, "super-admin.conf is used for that one call only");
}

async function assertIdentities(api: TestApiServer, root: string, x: Expect, token: string) {
  const dir = `${root}/etc/kubernetes`;
  const want: Record<string, [string, string[]]> = {
    "admin.conf": ["kubernetes-admin", [x.adminGroup]],
    "kubelet.conf": [`system:node:${NODE}`, ["system:nodes"]],
    "controller-manager.conf": ["system:kube-controller-manager", []],
    "scheduler.conf": ["system:kube-scheduler", []],
    ...(x.version === "v1.34.7"
      ? { "super-admin.conf": ["kubernetes-super-admin", ["system:masters"]] }
      : {}),
  };
  for (const [file, [user, groups]] of Object.entries(want)) {
    assertEquals(await kubectlWhoami(`${dir}/${file}`), {
      username: user,
      groups: [...groups, "system:authenticated"],
    }, file);
  }
  // A joining node: anonymous reads cluster-info; the bootstrap token authenticates and may get nodes.
  using anon = clientFor(api);
  const ci = await call(api, anon, "GET", "/api/v1/namespaces/kube-public/configmaps/cluster-info");
  assertEquals(ci.status, 200);
  const me = await whoami(api, anon, token);
  assertEquals(me.body.status.userInfo.username, `system:bootstrap:${token.split(".")[0]}`);
  assertEquals((await call(api, anon, "GET", `/api/v1/nodes/${NODE}`, { token })).status, 200);
  const kubectl = await new Deno.Command("kubectl", {
    args: [
      "--kubeconfig",
      `${dir}/admin.conf`,
      "get",
      "cm",
      "-n",
      "kube-public",
      "cluster-info",
      "-o",
      "yaml",
    ],
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const out = new TextDecoder().decode(kubectl.stdout);
  assertEquals(kubectl.code, 0, new TextDecoder().decode(kubectl.stderr));
  const cm = parse(out);
  assertEquals([cm.kind, cm.metadata.name, cm.metadata.namespace], [
    "ConfigMap",
    "cluster-info",
    "kube-public",
  ]);
  assertEquals(
    cm.data.kubeconfig,
    api.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")!.data.kubeconfig,
  );
}

for (const x of [V120, V134]) {
  Deno.test(`kadm init ${x.version} against the test API server leaves the cluster kubeadm leaves`, async (t) => {
    await using env = await e2eEnv(x.version);
    await using api = await env.startApi();
    await env.writeConfig({ apiPort: api.port, generatedToken: x.generatedToken });
    const seeded = storeKeys(api).filter((k) => !k.startsWith("Node ")); // the kubelet registers the Node
    const run = await env.init();
    if (run.error) throw run.error;
    const token = tokenOf(run.lines);

    await t.step("it prints kubeadm's lines in order and ends with the join command", async () => {
      assertLinesInOrder(run.lines.flatMap((l) => l.split("\n")), x.lines);
      const hash = await opensslCaHash(`${env.root}/etc/kubernetes/pki/ca.crt`);
      assertEquals(run.lines.join("\n").split("\n").slice(-2), [
        `kubeadm join 127.0.0.1:${api.port} --token ${token} \\`,
        `${x.joinIndent}--discovery-token-ca-cert-hash ${hash} `,
      ]);
    });

    await t.step("every object kubeadm creates is stored with its important fields", async () => {
      await assertClusterObjects(api, x, env.root, token);
      if (x === V134) assertClusterAdminsBootstrap(api);
      else assert(!api.requests.some((r) => r.user === "kubernetes-super-admin"), "v1.20 has no super-admin");
      for (const [key, n] of successfulCreates(api)) assertEquals(n, 1, `${key} created ${n} times`);
      assertEquals(
        [...successfulCreates(api).keys()].sort(),
        expectedCreates(x.version, token.split(".")[0]!),
      );
    });

    await t.step("each kubeconfig authenticates as its identity and kubectl reads cluster-info", async () => {
      await assertIdentities(api, env.root, x, token);
    });

    await t.step(
      "a re-run on the same root completes, keeps the certificates and duplicates nothing",
      async () => {
        const pki = await snapshot(`${env.root}/etc/kubernetes/pki`);
        const stored = storeKeys(api);
        const created = [...successfulCreates(api).keys()].sort();
        assertEquals(
          stored.length,
          seeded.length + 1 + created.length,
          "the first run created every object once",
        );
        const again = await env.init();
        if (again.error) throw again.error;
        assertEquals(await snapshot(`${env.root}/etc/kubernetes/pki`), pki);
        // The same token (a generated one too: it is created on the first init only), nothing new.
        assertEquals(tokenOf(again.lines), token);
        assertEquals(storeKeys(api), stored);
        assertEquals([...successfulCreates(api).keys()].sort(), created, "no object was created again");
        for (const [key, n] of successfulCreates(api)) assertEquals(n, 1, `${key} created ${n} times`);
        assert(again.lines.includes("[certs] Using existing ca certificate authority"));
        await assertClusterObjects(api, x, env.root, token);
      },
    );
  });
}
