import assert from "node:assert/strict";
import type { InitConfig } from "../lib/model.ts";
import { UserError } from "../lib/errors.ts";
import { minorInfo } from "../lib/versions.ts";
import { STATE_FILE } from "../lib/state.ts";
import { kubeconfigSpecs, parseKubeconfig, renderKubeconfig } from "../lib/kubeconfig.ts";
import type { InitContext, Phase } from "../phases/types.ts";
import { certsPhase } from "../phases/certs.ts";
import { kubeconfigPhase } from "../phases/kubeconfig.ts";
import { referenceConfig, testContext, withCluster } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";
import {
  assertCertSignedBy,
  assertFileMode,
  assertKubeconfigServer,
  openssl,
  run,
  snapshot,
  tempDir,
} from "./_assert.ts";

const REF = new URL("../../shared/reference/kubeadm-v1.20.2/", import.meta.url);

async function runPhase(ctx: InitContext, phase: Phase): Promise<void> {
  if (phase.runIf && !phase.runIf(ctx)) return;
  await phase.run?.(ctx);
  for (const p of phase.phases ?? []) await runPhase(ctx, p);
}

function ctxFor(root: string, cfg: InitConfig = referenceConfig()) {
  return testContext({ root, cfg, keys: testKeySource() });
}

/** certs then kubeconfig, as init runs them; returns the kubeconfig run's context. */
async function init(root: string, cfg?: InitConfig) {
  await runPhase(ctxFor(root, cfg), certsPhase);
  const ctx = ctxFor(root, cfg);
  await runPhase(ctx, kubeconfigPhase);
  return ctx;
}

/** kubeconfigs.txt: file name -> { yaml, client certificate view } */
async function reference(): Promise<Map<string, { yaml: string; cert: string }>> {
  const text = await Deno.readTextFile(new URL("kubeconfigs.txt", REF));
  const out = new Map<string, { yaml: string; cert: string }>();
  for (const block of text.split("\n== ").slice(1)) {
    const [name, ...rest] = block.split("\n");
    const [yaml, cert] = rest.join("\n").split("-- client certificate:\n");
    out.set(name!, { yaml: yaml!, cert: cert!.trim() });
  }
  return out;
}

const maskDates = (s: string) => s.replace(/^(notBefore|notAfter)=.*$/gm, "$1=<date>").trim();

async function clientCert(path: string): Promise<string> {
  const r = await run("kubectl", [
    "config",
    "view",
    "--raw",
    "--kubeconfig",
    path,
    "-o",
    "jsonpath={.users[0].user.client-certificate-data}",
  ]);
  return new TextDecoder().decode(Uint8Array.from(atob(r.stdout), (c) => c.charCodeAt(0)));
}

Deno.test("kubeconfig specs pick identities and servers per version", () => {
  const v20 = kubeconfigSpecs(referenceConfig(), minorInfo(20));
  assert.deepEqual(v20.map((s) => [s.file, s.cn, s.orgs.join(","), s.server]), [
    ["admin.conf", "kubernetes-admin", "system:masters", "https://10.0.0.10:6443"],
    ["kubelet.conf", "system:node:master-1", "system:nodes", "https://10.0.0.10:6443"],
    ["controller-manager.conf", "system:kube-controller-manager", "", "https://10.0.0.10:6443"],
    ["scheduler.conf", "system:kube-scheduler", "", "https://10.0.0.10:6443"],
  ]);
  const cfg = withCluster(referenceConfig("v1.34.2"), { controlPlaneEndpoint: "lb.example.com" });
  const v34 = kubeconfigSpecs(cfg, minorInfo(34));
  assert.deepEqual(v34.map((s) => [s.file, s.orgs.join(","), s.server]), [
    ["admin.conf", "kubeadm:cluster-admins", "https://lb.example.com:6443"],
    ["super-admin.conf", "system:masters", "https://lb.example.com:6443"],
    ["kubelet.conf", "system:nodes", "https://10.0.0.10:6443"],
    ["controller-manager.conf", "", "https://10.0.0.10:6443"],
    ["scheduler.conf", "", "https://10.0.0.10:6443"],
  ]);
  const v6: InitConfig = {
    ...withCluster(referenceConfig("v1.20.2"), { controlPlaneEndpoint: "[fd00::100]:8443" }),
    localAPIEndpoint: { advertiseAddress: "fd00::10", bindPort: 6443 },
  };
  assert.deepEqual(kubeconfigSpecs(v6, minorInfo(20)).map((s) => s.server), [
    "https://[fd00::100]:8443",
    "https://[fd00::100]:8443",
    "https://[fd00::10]:6443",
    "https://[fd00::10]:6443",
  ]);
});

Deno.test("a rendered kubeconfig has exactly the shape kubeadm v1.20.2 wrote", async () => {
  const ref = (await reference()).get("admin.conf")!.yaml;
  const text = renderKubeconfig({
    clusterName: "kubernetes",
    server: "https://10.0.0.10:6443",
    user: "kubernetes-admin",
    caPem: "ca",
    certPem: "cert",
    keyPem: "key",
  });
  assert.equal(text.replace(/(-data: )\S+/g, "$1<elided>"), ref.replace(/\n+$/, "\n"));
  assert.deepEqual(parseKubeconfig(text, "admin.conf"), { server: "https://10.0.0.10:6443", caData: "ca" });
});

Deno.test("kubeconfig phase writes the four v1.20 files that kubectl reads, as in kubeconfigs.txt", async () => {
  await using dir = await tempDir();
  const ctx = await init(dir.path);
  const kdir = `${dir.path}/etc/kubernetes`;
  assert.deepEqual(ctx.log.lines, [
    `[kubeconfig] Using kubeconfig folder "${kdir}"`,
    ...["admin", "kubelet", "controller-manager", "scheduler"].map((n) =>
      `[kubeconfig] Writing "${n}.conf" kubeconfig file`
    ),
  ]);
  for (const [file, ref] of await reference()) {
    const path = `${kdir}/${file}`;
    await assertFileMode(path, 0o600);
    await assertKubeconfigServer(path, "https://10.0.0.10:6443");
    const yaml = await Deno.readTextFile(path);
    assert.equal(yaml.replace(/(-data: )\S+/g, "$1<elided>"), ref.yaml.replace(/\n+$/, "\n"), file);
    const pem = await clientCert(path);
    const certPath = `${dir.path}/${file}.crt`;
    await Deno.writeTextFile(certPath, pem);
    await assertCertSignedBy(certPath, `${dir.path}/etc/kubernetes/pki/ca.crt`, ctx.now);
    const view = await openssl(
      [
        "x509",
        "-noout",
        "-subject",
        "-issuer",
        "-dates",
        "-ext",
        "keyUsage,extendedKeyUsage",
        "-nameopt",
        "RFC2253",
      ],
      pem,
    );
    assert.equal(maskDates(view), maskDates(ref.cert), file);
  }
});

Deno.test("kubeconfig phase adds super-admin and points kubelet at the local endpoint in v1.34", async () => {
  await using dir = await tempDir();
  const cfg = withCluster(referenceConfig("v1.34.2"), { controlPlaneEndpoint: "lb.example.com:443" });
  const ctx = await init(dir.path, cfg);
  const kdir = `${dir.path}/etc/kubernetes`;
  assert.ok(ctx.log.lines.includes(`[kubeconfig] Writing "super-admin.conf" kubeconfig file`));
  await assertKubeconfigServer(`${kdir}/admin.conf`, "https://lb.example.com:443");
  await assertKubeconfigServer(`${kdir}/super-admin.conf`, "https://lb.example.com:443");
  await assertKubeconfigServer(`${kdir}/kubelet.conf`, "https://10.0.0.10:6443");
  await assertKubeconfigServer(`${kdir}/scheduler.conf`, "https://10.0.0.10:6443");
  const subject = async (f: string) =>
    (await openssl(["x509", "-noout", "-subject", "-nameopt", "RFC2253"], await clientCert(`${kdir}/${f}`)))
      .trim();
  assert.equal(await subject("admin.conf"), "subject=CN=kubernetes-admin,O=kubeadm:cluster-admins");
  assert.equal(await subject("super-admin.conf"), "subject=CN=kubernetes-super-admin,O=system:masters");
});

Deno.test("a second kubeconfig run keeps the files that trust the same CA", async () => {
  await using dir = await tempDir();
  await init(dir.path);
  const before = await snapshot(dir.path);
  const ctx = ctxFor(dir.path);
  await runPhase(ctx, kubeconfigPhase);
  assert.deepEqual(await snapshot(dir.path), before);
  assert.ok(
    ctx.log.lines.includes(
      `[kubeconfig] Using existing kubeconfig file: "${dir.path}/etc/kubernetes/admin.conf"`,
    ),
  );
});

Deno.test("an existing kubeconfig with another server only warns", async () => {
  await using dir = await tempDir();
  await init(dir.path);
  const ctx = ctxFor(dir.path, withCluster(referenceConfig(), { controlPlaneEndpoint: "lb.example.com" }));
  await runPhase(ctx, kubeconfigPhase);
  assert.ok(
    ctx.log.warnings.some((w) =>
      w.includes(
        'admin.conf" exists already but has an unexpected API Server URL: expected: https://lb.example.com:6443, got: https://10.0.0.10:6443',
      )
    ),
  );
});

Deno.test("an existing kubeconfig trusting another CA is refused before anything is written", async () => {
  await using dir = await tempDir();
  await init(dir.path);
  const kdir = `${dir.path}/etc/kubernetes`;
  await Deno.remove(`${kdir}/scheduler.conf`);
  const other = await tempDir();
  await using _ = other;
  // The test keys repeat, so only another clock makes another CA.
  const otherCtx = testContext({
    root: other.path,
    keys: testKeySource(),
    now: new Date("2026-01-01T00:00:00Z"),
  });
  await runPhase(otherCtx, certsPhase);
  await Deno.copyFile(`${other.path}/etc/kubernetes/pki/ca.crt`, `${dir.path}/etc/kubernetes/pki/ca.crt`);
  await Deno.copyFile(`${other.path}/etc/kubernetes/pki/ca.key`, `${dir.path}/etc/kubernetes/pki/ca.key`);
  await assert.rejects(runPhase(ctxFor(dir.path), kubeconfigPhase), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /^A kubeconfig file ".*admin\.conf" exists already but has got the wrong CA cert/,
    );
    return true;
  });
  assert.ok(!(await snapshot(dir.path)).has("etc/kubernetes/scheduler.conf"));
});

Deno.test("kubeconfig phase without a CA says to run the CA phase first", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    runPhase(ctxFor(dir.path), kubeconfigPhase),
    /ca\.crt is missing; run 'kadm init phase certs ca' first/,
  );
});

Deno.test("external CA mode needs every kubeconfig to be provided", async () => {
  await using dir = await tempDir();
  await init(dir.path);
  await Deno.remove(`${dir.path}/etc/kubernetes/pki/ca.key`);
  // A user's CA: kadm's record does not name it (kadm generated this one; forget that).
  await Deno.remove(`${dir.path}/etc/kubernetes/pki/${STATE_FILE}`);
  const ctx = ctxFor(dir.path);
  await runPhase(ctx, kubeconfigPhase);
  assert.ok(ctx.log.lines.includes("[kubeconfig] External CA mode: Using user provided kubelet.conf"));
  await Deno.remove(`${dir.path}/etc/kubernetes/kubelet.conf`);
  await assert.rejects(
    runPhase(ctxFor(dir.path), kubeconfigPhase),
    /^UserError: External CA mode .*kubelet\.conf is missing/,
  );
});
