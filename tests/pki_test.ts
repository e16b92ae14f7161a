import assert from "node:assert/strict";
import type { InitConfig } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";
import { UserError } from "../lib/errors.ts";
import { STATE_FILE } from "../lib/state.ts";
import { certSpecs } from "../lib/pki/specs.ts";
import { parseIP } from "../lib/net.ts";
import { caCertHash } from "../lib/pki/certs.ts";
import { parsePrivateKeyPem, privateKeyToPem, publicKeyToPem, webCryptoKeySource } from "../lib/pki/keys.ts";
import type { InitContext, Phase } from "../phases/types.ts";
import { certsPhase } from "../phases/certs.ts";
import { referenceConfig, testContext, withCluster } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";
import {
  assertCertSignedBy,
  assertFileMode,
  assertKeyMatchesCert,
  certText,
  extensionLines,
  openssl,
  opensslBytes,
  snapshot,
  tempDir,
} from "./_assert.ts";

const REF = new URL("../../shared/reference/kubeadm-v1.20.2/", import.meta.url);
const PKI = "/etc/kubernetes/pki";
const LEAVES: Record<string, string> = {
  "apiserver": "ca",
  "apiserver-kubelet-client": "ca",
  "front-proxy-client": "front-proxy-ca",
  "etcd/server": "etcd/ca",
  "etcd/peer": "etcd/ca",
  "etcd/healthcheck-client": "etcd/ca",
  "apiserver-etcd-client": "etcd/ca",
};
const CAS = ["ca", "front-proxy-ca", "etcd/ca"];

async function runPhase(ctx: InitContext, phase: Phase): Promise<void> {
  if (phase.runIf && !phase.runIf(ctx)) return;
  await phase.run?.(ctx);
  for (const p of phase.phases ?? []) await runPhase(ctx, p);
}

function ctxFor(root: string, cfg: InitConfig = referenceConfig()) {
  return testContext({ root, cfg, keys: testKeySource() });
}

const EXT =
  "keyUsage,extendedKeyUsage,basicConstraints,subjectKeyIdentifier,authorityKeyIdentifier,subjectAltName";

/** The part of an openssl view that certs.txt shows, with key ids and dates masked. */
async function view(path: string): Promise<string> {
  const out = await openssl([
    "x509",
    "-in",
    path,
    "-noout",
    "-subject",
    "-issuer",
    "-dates",
    "-ext",
    EXT,
    "-nameopt",
    "RFC2253",
  ]);
  return mask(out);
}
const mask = (s: string) =>
  s.replace(/([0-9A-F]{2}:){19}[0-9A-F]{2}/g, "<keyid>").replace(/^(notBefore|notAfter)=.*$/gm, "$1=<date>")
    .trim();

/** certs.txt blocks: "== ./x.crt" -> the lines before the Public-Key line. */
async function referenceViews(): Promise<Map<string, string>> {
  const text = await Deno.readTextFile(new URL("certs.txt", REF));
  const out = new Map<string, string>();
  for (const block of text.split("\n== ./").slice(1)) {
    const [head, ...rest] = block.split("\n");
    const end = rest.findIndex((l) => l.startsWith("  Public-Key"));
    if (head!.endsWith(".crt")) out.set(head!.replace(/\.crt$/, ""), mask(rest.slice(0, end).join("\n")));
  }
  return out;
}

Deno.test("certificate specs follow kubeadm's order, names and SANs for the reference cluster", () => {
  const specs = certSpecs(referenceConfig(), minorInfo(20));
  assert.deepEqual(specs.map((s) => s.name), [
    "ca",
    "apiserver",
    "apiserver-kubelet-client",
    "front-proxy-ca",
    "front-proxy-client",
    "etcd-ca",
    "etcd-server",
    "etcd-peer",
    "etcd-healthcheck-client",
    "apiserver-etcd-client",
  ]);
  const api = specs.find((s) => s.name === "apiserver")!;
  assert.deepEqual(api.dnsNames, [
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "master-1",
  ]);
  assert.deepEqual(api.ips, ["10.96.0.1", "10.0.0.10"]);
  const peer = specs.find((s) => s.name === "etcd-peer")!;
  assert.deepEqual([peer.cn, peer.dnsNames, peer.ips], ["master-1", ["localhost", "master-1"], [
    "10.0.0.10",
    "127.0.0.1",
    "::1",
  ]]);
  for (const s of specs) {
    if (s.ca) assert.ok(specs.indexOf(specs.find((c) => c.name === s.ca!.name)!) < specs.indexOf(s));
  }
});

Deno.test("certificate specs drop the etcd tree with external etcd", () => {
  const cfg = withCluster(referenceConfig(), {
    etcd: { external: { endpoints: ["https://10.0.0.5:2379"], caFile: "", certFile: "", keyFile: "" } },
  });
  assert.deepEqual(certSpecs(cfg, minorInfo(20)).map((s) => s.baseName), [
    "ca",
    "apiserver",
    "apiserver-kubelet-client",
    "front-proxy-ca",
    "front-proxy-client",
  ]);
});

Deno.test("apiserver SANs take certSANs, the control-plane endpoint and IPv6 like kubeadm", () => {
  const base = referenceConfig("v1.34.2");
  const cfg: InitConfig = {
    ...withCluster(base, {
      controlPlaneEndpoint: "lb.example.com:443",
      apiServer: {
        ...base.cluster.apiServer,
        certSANs: ["10.0.0.10", "fd00::0:20", "*.example.com", "Bad_Name", "x.io"],
      },
      networking: { ...base.cluster.networking, serviceSubnet: "fd00:10:96::/108" },
    }),
    localAPIEndpoint: { advertiseAddress: "fd00::10", bindPort: 6443 },
  };
  const api = certSpecs(cfg, minorInfo(34)).find((s) => s.name === "apiserver")!;
  assert.deepEqual(api.ips, ["fd00:10:96::1", "fd00::10", "10.0.0.10", "fd00::20"]);
  assert.ok(api.dnsNames.includes("lb.example.com") && api.dnsNames.includes("*.example.com"));
  assert.deepEqual(api.warnings, [
    "[certificates] WARNING: 'Bad_Name' was not added to the 'apiserver' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry",
  ]);
  const ipEndpoint = withCluster(base, { controlPlaneEndpoint: "10.0.0.100" });
  assert.deepEqual(certSpecs(ipEndpoint, minorInfo(34)).find((s) => s.name === "apiserver")!.ips, [
    "10.96.0.1",
    "10.0.0.10",
    "10.0.0.100",
  ]);
  assert.equal(parseIP("::ffff:10.1.2.3")?.length, 4);
});

Deno.test("keys are written as PKCS#1 and SEC1 PEM that openssl accepts and read back from every format", async () => {
  const ks = webCryptoKeySource();
  for (
    const [alg, head] of [["RSA-2048", "RSA PRIVATE KEY"], ["ECDSA-P256", "EC PRIVATE KEY"], [
      "ECDSA-P384",
      "EC PRIVATE KEY",
    ]] as const
  ) {
    const keys = await ks.generate(alg);
    const pem = await privateKeyToPem(keys.privateKey);
    assert.ok(pem.startsWith(`-----BEGIN ${head}-----\n`));
    await openssl(["pkey", "-check", "-noout"], pem);
    if (head === "EC PRIVATE KEY") {
      assert.match(await openssl(["ec", "-noout", "-text"], pem), /ASN1 OID: (prime256v1|secp384r1)/);
    }
    const pkcs8 = await openssl(["pkcs8", "-topk8", "-nocrypt"], pem);
    for (const text of [pem, pkcs8]) {
      const back = await parsePrivateKeyPem(text, "k.pem");
      assert.equal(await publicKeyToPem(back.publicKey), await publicKeyToPem(keys.publicKey));
    }
  }
  await assert.rejects(
    parsePrivateKeyPem("junk", "/x/bad.key"),
    (e: Error) => e instanceof UserError && e.message.includes("/x/bad.key"),
  );
});

Deno.test("prefetched keys are handed out by later generate calls", async () => {
  const ks = webCryptoKeySource();
  ks.prefetch!("ECDSA-P256", 2);
  const [a, b] = [await ks.generate("ECDSA-P256"), await ks.generate("ECDSA-P256")];
  assert.notEqual(await publicKeyToPem(a.publicKey), await publicKeyToPem(b.publicKey));
});

Deno.test("certs phase writes the v1.20 reference PKI exactly as kubeadm v1.20.2 did", async () => {
  await using dir = await tempDir();
  const ctx = ctxFor(dir.path);
  await runPhase(ctx, certsPhase);
  const pki = dir.path + PKI;

  const transcript = (await Deno.readTextFile(new URL("init-dry-run.txt", REF))).split("\n")
    .filter((l) => l.startsWith("[certs]")).map((l) =>
      l.replace("/etc/kubernetes/tmp/kubeadm-init-dryrunXXXX", pki)
    );
  assert.deepEqual(ctx.log.lines, transcript);

  const ref = await referenceViews();
  for (const [base, want] of ref) assert.equal(await view(`${pki}/${base}.crt`), want, base);
  for (const base of CAS) {
    await assertCertSignedBy(`${pki}/${base}.crt`, `${pki}/${base}.crt`, ctx.now);
    assert.match(await certText(`${pki}/${base}.crt`), /Serial Number: 0 \(0x0\)/);
  }
  for (const [leaf, ca] of Object.entries(LEAVES)) {
    await assertCertSignedBy(`${pki}/${leaf}.crt`, `${pki}/${ca}.crt`, ctx.now);
  }
  for (const base of [...CAS, ...Object.keys(LEAVES)]) {
    await assertKeyMatchesCert(`${pki}/${base}.key`, `${pki}/${base}.crt`);
    await assertFileMode(`${pki}/${base}.crt`, 0o644);
    await assertFileMode(`${pki}/${base}.key`, 0o600);
    assert.match(await Deno.readTextFile(`${pki}/${base}.key`), /^-----BEGIN RSA PRIVATE KEY-----\n/);
  }
  await assertFileMode(`${pki}/sa.key`, 0o600);
  await assertFileMode(`${pki}/sa.pub`, 0o600);
  await assertFileMode(`${pki}/etcd`, 0o755);
  assert.equal(
    await openssl(["pkey", "-in", `${pki}/sa.key`, "-pubout"]),
    await openssl(["pkey", "-pubin", "-in", `${pki}/sa.pub`]),
  );

  const dates = async (p: string) =>
    (await openssl(["x509", "-in", p, "-noout", "-startdate", "-enddate"])).match(/=(.*)/g)!.map((d) =>
      Date.parse(d.slice(1))
    );
  const day = 86400e3;
  assert.deepEqual(await dates(`${pki}/ca.crt`), [ctx.now.getTime(), ctx.now.getTime() + 3650 * day]);
  assert.deepEqual(await dates(`${pki}/apiserver.crt`), [ctx.now.getTime(), ctx.now.getTime() + 365 * day]);
  const serial = BigInt(
    "0x" + (await openssl(["x509", "-in", `${pki}/apiserver.crt`, "-noout", "-serial"])).trim().slice(7),
  );
  assert.ok(serial >= 1n && serial < (1n << 63n) - 1n);
});

Deno.test("certs phase applies the v1.34 organizations, backdating and leaf basic constraints", async () => {
  await using dir = await tempDir();
  const ctx = ctxFor(dir.path, referenceConfig("v1.34.2"));
  await runPhase(ctx, certsPhase);
  const pki = dir.path + PKI;
  assert.match(
    await certText(`${pki}/apiserver-kubelet-client.crt`),
    /Subject: CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins/,
  );
  assert.match(
    await certText(`${pki}/apiserver-etcd-client.crt`),
    /Subject: CN=kube-apiserver-etcd-client\n/,
  );
  assert.match(
    await certText(`${pki}/etcd/healthcheck-client.crt`),
    /Subject: CN=kube-etcd-healthcheck-client\n/,
  );
  const ca = await certText(`${pki}/ca.crt`);
  assert.equal(extensionLines(ca, "X509v3 Subject Alternative Name")?.value, "DNS:kubernetes");
  assert.doesNotMatch(ca, /Serial Number: 0 \(0x0\)/);
  const leaf = await certText(`${pki}/apiserver.crt`);
  assert.deepEqual(extensionLines(leaf, "X509v3 Basic Constraints"), { critical: true, value: "CA:FALSE" });
  const backdated = new Date(ctx.now.getTime() - 5 * 60e3);
  for (const p of ["ca.crt", "apiserver.crt", "etcd/peer.crt"]) {
    const start = (await openssl(["x509", "-in", `${pki}/${p}`, "-noout", "-startdate"])).trim().slice(10);
    assert.equal(Date.parse(start), backdated.getTime(), p);
  }
  for (const [leafName, caName] of Object.entries(LEAVES)) {
    await assertCertSignedBy(`${pki}/${leafName}.crt`, `${pki}/${caName}.crt`, ctx.now);
  }
});

Deno.test("certs phase builds a working ECDSA-P256 PKI end to end", async () => {
  await using dir = await tempDir();
  const ctx = ctxFor(
    dir.path,
    withCluster(referenceConfig("v1.34.2"), { encryptionAlgorithm: "ECDSA-P256" }),
  );
  await runPhase(ctx, certsPhase);
  const pki = dir.path + PKI;
  for (const [leaf, ca] of Object.entries(LEAVES)) {
    await assertCertSignedBy(`${pki}/${leaf}.crt`, `${pki}/${ca}.crt`, ctx.now);
    await assertKeyMatchesCert(`${pki}/${leaf}.key`, `${pki}/${leaf}.crt`);
    assert.match(await Deno.readTextFile(`${pki}/${leaf}.key`), /^-----BEGIN EC PRIVATE KEY-----/);
    assert.match(await certText(`${pki}/${leaf}.crt`), /Signature Algorithm: ecdsa-with-SHA256/);
  }
  assert.match(await openssl(["pkey", "-in", `${pki}/sa.key`, "-noout", "-text"]), /NIST CURVE: P-256/);
});

Deno.test("a second certs run reuses every file and changes no byte", async () => {
  await using dir = await tempDir();
  await runPhase(ctxFor(dir.path), certsPhase);
  const before = await snapshot(dir.path);
  const again = ctxFor(dir.path);
  await runPhase(again, certsPhase);
  assert.deepEqual(await snapshot(dir.path), before);
  assert.ok(again.log.lines.includes("[certs] Using existing ca certificate authority"));
  assert.ok(again.log.lines.includes("[certs] Using existing apiserver certificate and key on disk"));
  assert.ok(again.log.lines.includes("[certs] Using existing etcd/peer certificate and key on disk"));
  assert.ok(again.log.lines.includes(`[certs] Using the existing "sa" key`));
  assert.ok(!again.log.lines.some((l) => l.includes("Generating")));
});

Deno.test("an existing CA signs missing leaves and is not rewritten", async () => {
  await using dir = await tempDir();
  await runPhase(ctxFor(dir.path), certsPhase);
  const pki = dir.path + PKI;
  const ca = await Deno.readTextFile(`${pki}/ca.crt`);
  await Deno.remove(`${pki}/apiserver.crt`);
  await Deno.remove(`${pki}/apiserver.key`);
  const ctx = ctxFor(dir.path);
  await runPhase(ctx, certsPhase);
  assert.equal(await Deno.readTextFile(`${pki}/ca.crt`), ca);
  assert.ok(ctx.log.lines.includes(`[certs] Generating "apiserver" certificate and key`));
  await assertCertSignedBy(`${pki}/apiserver.crt`, `${pki}/ca.crt`, ctx.now);
});

Deno.test("an existing leaf missing a newly asked SAN is refused with a clear error before any write", async () => {
  await using dir = await tempDir();
  await runPhase(ctxFor(dir.path), certsPhase);
  await Deno.remove(dir.path + PKI + "/front-proxy-client.key");
  await Deno.remove(dir.path + PKI + "/front-proxy-client.crt");
  const before = await snapshot(dir.path);
  const base = referenceConfig();
  const cfg = withCluster(base, {
    apiServer: { ...base.cluster.apiServer, certSANs: ["api.example.com", "10.0.0.99"] },
  });
  await assert.rejects(runPhase(ctxFor(dir.path, cfg), certsPhase), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /apiserver\.crt lacks the SANs DNS:api\.example\.com, IP:10\.0\.0\.99 now asked for: delete .*apiserver\.crt and .*apiserver\.key/,
    );
    return true;
  });
  assert.deepEqual(await snapshot(dir.path), before);
});

Deno.test("a certificate without its key is an error naming both files", async () => {
  await using dir = await tempDir();
  await runPhase(ctxFor(dir.path), certsPhase);
  const pki = dir.path + PKI;
  await Deno.remove(`${pki}/etcd/server.key`);
  await assert.rejects(runPhase(ctxFor(dir.path), certsPhase), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.ok(e.message.startsWith(`Found ${pki}/etcd/server.crt but not ${pki}/etcd/server.key: `));
    return true;
  });
});

Deno.test("external CA mode uses the provided leaves and refuses a missing one", async () => {
  await using dir = await tempDir();
  await runPhase(ctxFor(dir.path), certsPhase);
  const pki = dir.path + PKI;
  await Deno.remove(`${pki}/ca.key`);
  // A user's CA: kadm's record does not name it (kadm generated this one; forget that).
  await Deno.remove(`${pki}/${STATE_FILE}`);
  const ctx = ctxFor(dir.path);
  await runPhase(ctx, certsPhase);
  assert.ok(ctx.log.lines.includes("[certs] Using existing ca keyless certificate authority"));
  assert.ok(ctx.log.lines.includes("[certs] Using existing apiserver certificate and key on disk"));
  assert.ok(ctx.log.lines.includes("[certs] Using existing sa keys"));
  await Deno.remove(`${pki}/apiserver-kubelet-client.crt`);
  await Deno.remove(`${pki}/apiserver-kubelet-client.key`);
  await assert.rejects(runPhase(ctxFor(dir.path), certsPhase), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /^External CA mode \(.*ca\.crt without .*ca\.key\): .*apiserver-kubelet-client\.crt is missing/,
    );
    return true;
  });
});

Deno.test("a leaf sub-phase without its CA says to run the CA phase first", async () => {
  await using dir = await tempDir();
  const ctx = ctxFor(dir.path);
  const apiserver = certsPhase.phases!.find((p) => p.name === "apiserver")!;
  await assert.rejects(apiserver.run!(ctx), /run 'kadm init phase certs ca' first/);
});

Deno.test("caCertHash equals the openssl public-key pipeline", async () => {
  await using dir = await tempDir();
  await runPhase(ctxFor(dir.path), certsPhase);
  const pem = await Deno.readTextFile(dir.path + PKI + "/ca.crt");
  const pub = await openssl(["x509", "-pubkey", "-noout"], pem);
  const derBytes = await opensslBytes(["pkey", "-pubin", "-outform", "der"], pub);
  const digest = (await openssl(["dgst", "-sha256"], derBytes)).trim().split(" ").pop();
  assert.equal(await caCertHash(pem), `sha256:${digest}`);
});
