/**
 * `kadm certs renew | check-expiration | certificate-key`, on clusters made by `kadm init phase certs all`
 * and `init phase kubeconfig all` (v1.34.7 and v1.20.2). openssl verifies every renewed certificate and
 * its key, kubectl reads every renewed kubeconfig, and check-expiration is compared with openssl's dates
 * and with kubeadm v1.34's own output.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./_std.ts";
import { join } from "node:path";
import {
  assertCertSignedBy,
  assertFileMode,
  assertKeyMatchesCert,
  openssl,
  run,
  tempDir,
} from "./_assert.ts";
import { memoryLogger } from "../lib/log.ts";
import { isKadmGenerated, STATE_FILE } from "../lib/state.ts";
import { certsCheckExpiration, certsRenew } from "../cli/certs.ts";
import { readKubeconfigClient, RENEW_TARGETS, type RenewTarget } from "../lib/pki/renew.ts";
import { type ExpirationRow, renderExpiration, shortHumanDuration } from "../lib/pki/expiration.ts";
import { kadmSubprocess as kadm } from "./support/e2e.ts";

const K8S = "etc/kubernetes";
const PKI = `${K8S}/pki`;

async function ok(args: string[]): Promise<string> {
  const r = await kadm(args);
  assertEquals(r.code, 0, `kadm ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A cluster's files as `kadm init phase certs all` + `kubeconfig all` (+ the apiserver manifest) write them. */
async function makeTemplate(version: string, manifest: boolean): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: `kadm-certs-${version}-` });
  const flags = `--rootfs ${root} --kubernetes-version ${version} --apiserver-advertise-address 10.0.0.10`
    .split(" ").concat("--node-name", "node-a");
  await ok(["init", "phase", "certs", "all", ...flags]);
  await ok(["init", "phase", "kubeconfig", "all", ...flags]);
  if (manifest) await ok(["init", "phase", "control-plane", "apiserver", ...flags]);
  return root;
}

const TEMPLATES = {
  v134: await makeTemplate("v1.34.7", false),
  v120: await makeTemplate("v1.20.2", true),
};
globalThis.addEventListener("unload", () => {
  for (const t of Object.values(TEMPLATES)) Deno.removeSync(t, { recursive: true });
});

/** A fresh copy of a template cluster, removed at the end of the scope. */
async function cluster(template: string) {
  const dir = await tempDir("kadm-certs-");
  const r = await run("cp", ["-a", `${template}/.`, dir.path]);
  assertEquals(r.code, 0, r.stderr);
  return dir;
}

/** A field of the current user/cluster as kubectl reads it (`kubectl config view --raw`), base64 as stored. */
async function kubectlField(file: string, field: string): Promise<string> {
  const at = field === "certificate-authority-data" ? ".clusters[0].cluster" : ".users[0].user";
  const jp = `jsonpath={${at}.${field}}`;
  const r = await run("kubectl", ["config", "view", "--raw", "--kubeconfig", file, "-o", jp]);
  assertEquals(r.code, 0, `kubectl cannot read ${file}: ${r.stderr}`);
  assert(r.stdout.length > 0, `${file}: no ${field}`);
  return r.stdout;
}

/** Writes the kubeconfig's client certificate and key (as kubectl reads them) to PEM files. */
async function clientPems(file: string, dir: string): Promise<{ cert: string; key: string; b64: string }> {
  const b64 = await kubectlField(file, "client-certificate-data");
  const name = file.split("/").pop()!;
  const cert = join(dir, `${name}.crt`), key = join(dir, `${name}.key`);
  await Deno.writeTextFile(cert, atob(b64));
  await Deno.writeTextFile(key, atob(await kubectlField(file, "client-key-data")));
  return { cert, key, b64 };
}

/** The certificate and key files of a target (a kubeconfig's, as kubectl reads them, copied to `to`). */
async function pairOf(root: string, t: RenewTarget, to: string) {
  const pki = join(root, PKI);
  return t.kind === "cert"
    ? { cert: `${pki}/${t.file}.crt`, key: `${pki}/${t.file}.key`, b64: "" }
    : await clientPems(join(root, K8S, t.file), to);
}

/** What must not change on renewal: subject, SANs, usages, constraints. */
const IDENTITY_EXTS = "subjectAltName,extendedKeyUsage,keyUsage,basicConstraints";
const identity = (pem: string) =>
  openssl(["x509", "-in", pem, ..."-noout -subject -nameopt RFC2253 -ext".split(" "), IDENTITY_EXTS]);
const field = async (pem: string, f: "serial" | "startdate" | "enddate") =>
  (await openssl(["x509", "-in", pem, "-noout", `-${f}`])).trim().split("=")[1]!;

Deno.test("renew all on a v1.34 cluster renews every leaf and the four kubeconfigs, keeping keys, subjects and every other byte", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  await using old = await tempDir();
  await using fresh = await tempDir();
  const root = dir.path, pki = join(root, PKI);
  const readAll = (files: string[]) => Promise.all(files.map((f) => Deno.readTextFile(f)));
  const pair = (t: RenewTarget, to: string) => pairOf(root, t, to);
  const before = new Map<string, { identity: string; serial: string; key: string; text?: string }>();
  for (const t of RENEW_TARGETS) {
    const { cert, key } = await pair(t, old.path);
    const text = t.kind === "kubeconfig" ? await Deno.readTextFile(join(root, K8S, t.file)) : undefined;
    before.set(t.name, {
      identity: await identity(cert),
      serial: await field(cert, "serial"),
      key: await Deno.readTextFile(key),
      ...(text ? { text } : {}),
    });
  }
  const untouched = ["ca.crt", "ca.key", "etcd/ca.crt", "front-proxy-ca.crt", "sa.key", "sa.pub"]
    .map((f) => join(pki, f)).concat(join(root, K8S, "kubelet.conf"));
  const kept = await readAll(untouched);

  const lines = (await ok(["certs", "renew", "all", "--rootfs", root])).trim().split("\n");
  assertEquals(lines.length, RENEW_TARGETS.length + 2, lines.join("\n"));
  RENEW_TARGETS.forEach((t, i) =>
    assertMatch(lines[i]!, new RegExp(`^\\[certs\\] Renewed the "${t.name}" `))
  );
  assertEquals(
    lines.at(-1),
    "Done renewing certificates. You must restart the kube-apiserver, " +
      "kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.",
  );

  const now = new Date();
  for (const t of RENEW_TARGETS) {
    const { cert, key, b64 } = await pair(t, fresh.path), b = before.get(t.name)!;
    await assertCertSignedBy(cert, `${pki}/${t.caBaseName}.crt`, now);
    await assertKeyMatchesCert(key, cert);
    assertEquals(await Deno.readTextFile(key), b.key, `${t.name}: its key changed`);
    assertEquals(await identity(cert), b.identity, t.name);
    assert(await field(cert, "serial") !== b.serial, `${t.name}: same serial`);
    const file = t.kind === "cert" ? cert : join(root, K8S, t.file);
    await assertFileMode(file, t.kind === "cert" ? 0o644 : 0o600);
    if (t.kind === "kubeconfig") {
      // Every byte but the client-certificate-data value is the old file's.
      const oldB64 = btoa(await Deno.readTextFile(join(old.path, `${t.file}.crt`)));
      assertEquals((await Deno.readTextFile(file)).replace(b64, oldB64), b.text, `${t.name}: more changed`);
    }
  }
  assertEquals(await readAll(untouched), kept, "a CA, sa or kubelet.conf changed");
  assert(await isKadmGenerated(pki, "apiserver"), "kadm's record follows the renewed certificate");
  assert(await isKadmGenerated(pki, "etcd/server"), "kadm's record follows the renewed certificate");
});

Deno.test("renew all on a v1.20 cluster leaves out super-admin.conf and starts the leaves at the CA's notBefore", async () => {
  await using dir = await cluster(TEMPLATES.v120);
  const root = dir.path, pki = join(root, PKI);
  const out = await ok(["certs", "renew", "all", "--rootfs", root]);
  assert(!out.includes("super-admin"), out);
  assertEquals(out.match(/^\[certs\] Renewed/gm)?.length, RENEW_TARGETS.length - 1, out);
  const caStart = await field(`${pki}/ca.crt`, "startdate");
  await using pems = await tempDir();
  for (const t of RENEW_TARGETS.filter((t) => t.name !== "super-admin.conf")) {
    const { cert, key } = await pairOf(root, t, pems.path);
    await assertCertSignedBy(cert, `${pki}/${t.caBaseName}.crt`, new Date());
    await assertKeyMatchesCert(key, cert);
    if (t.caBaseName === "ca") assertEquals(await field(cert, "startdate"), caStart, t.name);
  }
  await assertRejects(
    () => certsRenew(["super-admin.conf"], { rootfs: root }, memoryLogger()),
    /Cannot renew "super-admin\.conf": this cluster has no such certificate/,
  );
  // Without the manifest (no version to go by) kadm acts as kubeadm v1.34: super-admin.conf is expected.
  await Deno.remove(join(root, K8S, "manifests"), { recursive: true });
  const again = await ok(["certs", "renew", "all", "--rootfs", root]);
  assertMatch(again, /^MISSING! certificate embedded in the kubeconfig file for the super-admin$/m);
  // A v1.20 config says the same as the manifest did.
  await using cfg = await tempDir();
  const file = join(cfg.path, "kubeadm.yaml");
  await Deno.writeTextFile(
    file,
    "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\nkubernetesVersion: v1.20.2\n",
  );
  assert(!(await ok(["certs", "renew", "all", "--rootfs", root, "--config", file])).includes("MISSING!"));
});

Deno.test("--config gives the validity (certificateValidityPeriod), the certificate folder and external etcd", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  // The certificates live in /srv/pki, which only the config names.
  const root = dir.path, pki = join(root, "srv/pki");
  await Deno.mkdir(join(root, "srv"));
  await Deno.rename(join(root, PKI), pki);
  const file = join(root, "kubeadm.yaml");
  const config = (extra: string) =>
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.34.7\n" +
    `certificateValidityPeriod: 100h\ncertificatesDir: /srv/pki\n${extra}`;
  await Deno.writeTextFile(file, config(""));
  const start = Date.now();
  await ok(["certs", "renew", "apiserver", "admin.conf", "--rootfs", root, "--config", file]);
  const hours = async (pem: string) => (Date.parse(await field(pem, "enddate")) - start) / 3_600_000;
  const h = await hours(`${pki}/apiserver.crt`);
  assert(h > 99.9 && h < 100.1, `apiserver.crt: ${h}h, expected 100h`);
  // openssl -checkend: exit 0 = still valid then, 1 = expired by then.
  const checkend = (pem: string, hours: number) =>
    run("openssl", ["x509", "-in", pem, "-noout", "-checkend", String(hours * 3600)]).then((r) => r.code);
  assertEquals(await checkend(`${pki}/apiserver.crt`, 99), 0);
  assertEquals(await checkend(`${pki}/apiserver.crt`, 101), 1);
  await using pems = await tempDir();
  const { cert } = await clientPems(join(root, K8S, "admin.conf"), pems.path);
  const ha = await hours(cert);
  assert(ha > 99.9 && ha < 100.1, `admin.conf: ${ha}h, expected 100h`);

  // External etcd: the etcd tree is not renewed nor listed; the certificate folder comes from the config.
  await Deno.writeTextFile(
    file,
    config("etcd:\n  external:\n    endpoints: [http://10.0.0.20:2379]\n"),
  );
  const out = await ok(["certs", "renew", "all", "--rootfs", root, "--config", file]);
  assertEquals(out.match(/^\[certs\] Renewed /gm)?.length, RENEW_TARGETS.filter((t) => !t.etcd).length, out);
  assert(!/"(etcd-|apiserver-etcd)/.test(out), out);
  await assertCertSignedBy(`${pki}/front-proxy-client.crt`, `${pki}/front-proxy-ca.crt`, new Date());
  const table = await ok(["certs", "check-expiration", "--rootfs", root, "--config", file]);
  assert(!/etcd/.test(table), table);
  assertMatch(table, /^apiserver +\w{3} \d\d, \d{4} \d\d:\d\d UTC +(3|4)d +ca +no {6}$/m);
});

Deno.test("a validity that would outlive the CA is cut to the CA's expiry, and an expired CA is refused", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  const root = dir.path, pki = join(root, PKI);
  const caEnd = Date.parse(await field(`${pki}/ca.crt`, "enddate"));
  const log = memoryLogger();
  const late = new Date(caEnd - 100 * 86_400_000);
  await certsRenew(["apiserver", "scheduler.conf"], { rootfs: root }, log, late);
  assertEquals(Date.parse(await field(`${pki}/apiserver.crt`, "enddate")), caEnd);
  await assertCertSignedBy(`${pki}/apiserver.crt`, `${pki}/ca.crt`, late);
  assertEquals(log.warnings.length, 2, log.warnings.join("\n"));
  assertMatch(log.warnings[0]!, /the "apiserver" certificate is cut to the expiry of its CA .*ca\.crt/);
  await using pems = await tempDir();
  const { cert } = await clientPems(join(root, K8S, "scheduler.conf"), pems.path);
  assertEquals(Date.parse(await field(cert, "enddate")), caEnd);
  await assertRejects(
    () => certsRenew(["apiserver"], { rootfs: root }, memoryLogger(), new Date(caEnd + 86_400_000)),
    /its CA .*ca\.crt expired on/,
  );
});

Deno.test("renew refuses a CA, kubelet.conf, an unknown name, a named external CA and a kubeconfig of another CA", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  const root = dir.path, pki = join(root, PKI);
  const bad = async (args: string[], re: RegExp) => {
    const r = await kadm(["certs", "renew", ...args, "--rootfs", root]);
    assert(r.code !== 0, r.stdout);
    assertMatch(r.stderr, re);
    assert(!/\n\s+at /.test(r.stderr), r.stderr);
  };
  await bad(["etcd-ca"], /never renews a CA \("etcd-ca"\)/);
  await bad(["kubelet.conf"], /does not renew kubelet\.conf: the kubelet rotates its own/);
  await bad(["bogus.conf"], /Unknown certificate "bogus\.conf": valid names are admin\.conf, apiserver/);
  // A kubeconfig that trusts another CA is refused; nothing is written.
  const admin = join(root, K8S, "admin.conf");
  const text = await Deno.readTextFile(admin);
  const otherCA = btoa(await Deno.readTextFile(`${pki}/front-proxy-ca.crt`));
  await Deno.writeTextFile(
    admin,
    text.replace(await kubectlField(admin, "certificate-authority-data"), otherCA),
  );
  const crt = await Deno.readTextFile(`${pki}/apiserver.crt`);
  await bad(["apiserver", "admin.conf"], /admin\.conf: its certificate-authority-data is not .*ca\.crt/);
  assertEquals(
    await Deno.readTextFile(`${pki}/apiserver.crt`),
    crt,
    "apiserver.crt was written before the check",
  );
  // External CA (ca.crt without ca.key, not recorded as kadm's): refused when named.
  await Deno.writeTextFile(admin, text);
  await Deno.remove(`${pki}/ca.key`);
  await Deno.remove(join(pki, STATE_FILE));
  await bad(["admin.conf"], /Cannot renew "admin\.conf": .*ca\.key is missing \(an external CA\)/);
  await bad(["apiserver"], /Cannot renew "apiserver": .*ca\.key is missing \(an external CA\)/);
});

Deno.test("renew all with an external CA skips what it signed with kubeadm's line and renews the rest", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  const root = dir.path, pki = join(root, PKI);
  await Deno.remove(`${pki}/ca.key`);
  await Deno.remove(join(pki, STATE_FILE));
  const admin = await Deno.readTextFile(join(root, K8S, "admin.conf"));
  const out = await ok(["certs", "renew", "all", "--rootfs", root]);
  const lines = out.split("\n");
  assertMatch(lines[0]!, /^Detected external ca, certificate embedded in the kubeconfig file for the admin/);
  assertMatch(lines[2]!, /^\[certs\] Renewed the "apiserver-etcd-client" certificate/); // kubeadm's order
  assertMatch(out, /^Detected external ca, certificate for serving the Kubernetes API can't be renewed$/m);
  assertMatch(
    out,
    /^Detected external ca, certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself can't be renewed$/m,
  );
  assertMatch(out, /^\[certs\] Renewed the "etcd-server" certificate/m);
  assertMatch(out, /^\[certs\] Renewed the "front-proxy-client" certificate/m);
  assertEquals(await Deno.readTextFile(join(root, K8S, "admin.conf")), admin);
  const table = await ok(["certs", "check-expiration", "--rootfs", root]);
  assertMatch(table, /^apiserver +.* ca {22}yes {5}$/m);
  assertMatch(table, /^etcd-server +.* etcd-ca {17}no {6}$/m);
  assertMatch(table, /^ca {22}\w{3} .* yes {5}$/m);
});

/** openssl's `notAfter=Nov  8 16:36:17 2027 GMT` as kubeadm prints it: `Nov 08, 2027 16:36 UTC`. */
function opensslToKubeadm(date: string): string {
  const [, mon, day, hm, year] = /^(\w{3}) +(\d+) (\d\d:\d\d):\d\d (\d{4}) GMT$/.exec(date)!;
  return `${mon} ${day!.padStart(2, "0")}, ${year} ${hm} UTC`;
}

Deno.test("check-expiration prints kubeadm's tables with the dates openssl reads from the same files", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  const root = dir.path, pki = join(root, PKI);
  await using pems = await tempDir();
  const out = await ok(["certs", "check-expiration", "--rootfs", root]);
  const now = Date.now();
  const lines = out.split("\n");
  assertEquals(
    lines[0],
    "CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED",
  );
  assertEquals(
    lines[RENEW_TARGETS.length + 2],
    "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED",
  );
  const rows = new Map(lines.map((l) => [l.split(" ")[0]!, l]));
  const check = async (name: string, pem: string, ca: string | undefined) => {
    const end = await field(pem, "enddate");
    const days = (Date.parse(end) - now) / 86_400_000;
    const residual = days >= 365 ? `${Math.floor(days / 365)}y` : `${Math.floor(days)}d`;
    const row = rows.get(name);
    const cells = [name, opensslToKubeadm(end), residual, ...(ca ? [ca] : []), "no      "];
    const widths = ca ? [27, 25, 16, 24] : [24, 25, 16];
    assertEquals(row, cells.map((c, i) => i < widths.length ? c.padEnd(widths[i]!) : c).join(""), name);
  };
  for (const t of RENEW_TARGETS) {
    const pem = t.kind === "cert"
      ? `${pki}/${t.file}.crt`
      : (await clientPems(join(root, K8S, t.file), pems.path)).cert;
    await check(t.name, pem, t.caName);
  }
  for (const [name, base] of [["ca", "ca"], ["etcd-ca", "etcd/ca"], ["front-proxy-ca", "front-proxy-ca"]]) {
    await check(name!, `${pki}/${base}.crt`, undefined);
  }
});

Deno.test("check-expiration reports missing files and an external CA as kubeadm does", async () => {
  // Nothing at all: kubeadm v1.34's output on an empty host (published with trailing blanks trimmed), less
  // the etcd rows: without an etcd folder kadm takes etcd to be external.
  await using empty = await tempDir();
  const none = await ok(["certs", "check-expiration", "--rootfs", empty.path]);
  const KUBEADM_EMPTY = [
    "CERTIFICATE                          EXPIRES   RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED",
    ...RENEW_TARGETS.map((t) => `!MISSING! ${t.name}`),
    "",
    "CERTIFICATE AUTHORITY      EXPIRES   RESIDUAL TIME   EXTERNALLY MANAGED",
    "!MISSING! ca",
    "!MISSING! etcd-ca",
    "!MISSING! front-proxy-ca",
    "",
  ];
  assertEquals(none.split("\n").map((l) => l.trimEnd()), KUBEADM_EMPTY.filter((l) => !/etcd/.test(l)));
  assert(none.includes(`\n${"!MISSING! admin.conf".padEnd(37)}${" ".repeat(10 + 16 + 24)}\n`), none);
  assert(none.includes(`\n${"!MISSING! ca".padEnd(27)}${" ".repeat(10 + 16)}\n`), none);

  await using dir = await cluster(TEMPLATES.v134);
  const root = dir.path, pki = join(root, PKI);
  await Deno.remove(join(root, K8S, "scheduler.conf"));
  await Deno.remove(`${pki}/etcd/peer.crt`);
  await Deno.remove(`${pki}/front-proxy-ca.key`);
  const out = await ok(["certs", "check-expiration", "--rootfs", root]);
  const missing = (name: string) => `\n${`!MISSING! ${name}`.padEnd(27)}${" ".repeat(25 + 16 + 24)}\n`;
  assert(out.includes(missing("scheduler.conf")), out);
  assert(out.includes(missing("etcd-peer")), out);
  assertMatch(out, /^front-proxy-client +.* front-proxy-ca {10}yes {5}$/m);
  assertMatch(out, /^front-proxy-ca {10}.* yes {5}$/m);
  assertMatch(out, /^apiserver +.* ca {22}no {6}$/m);
});

Deno.test("the tables are kubeadm v1.34's output byte for byte", () => {
  const KUBEADM =
    `CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Aug 19, 2026 09:03 UTC   360d            ca                      no      
apiserver                  Aug 19, 2026 09:03 UTC   360d            ca                      no      
apiserver-etcd-client      Aug 19, 2026 09:03 UTC   360d            etcd-ca                 no      
apiserver-kubelet-client   Aug 19, 2026 09:03 UTC   360d            ca                      no      
controller-manager.conf    Aug 19, 2026 09:03 UTC   360d            ca                      no      
etcd-healthcheck-client    Aug 19, 2026 09:03 UTC   360d            etcd-ca                 no      
etcd-peer                  Aug 19, 2026 09:03 UTC   360d            etcd-ca                 no      
etcd-server                Aug 19, 2026 09:03 UTC   360d            etcd-ca                 no      
front-proxy-client         Aug 19, 2026 09:03 UTC   360d            front-proxy-ca          no      
scheduler.conf             Aug 19, 2026 09:03 UTC   360d            ca                      no      
super-admin.conf           Aug 19, 2026 09:03 UTC   360d            ca                      no      

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      Aug 17, 2035 09:03 UTC   9y              no      
etcd-ca                 Aug 17, 2035 09:03 UTC   9y              no      
front-proxy-ca          Aug 17, 2035 09:03 UTC   9y              no      
`;
  const leaf = new Date("2026-08-19T09:03:41Z"), ca = new Date("2035-08-17T09:03:41Z");
  const now = new Date(leaf.getTime() - 360.5 * 86_400_000);
  const certs: ExpirationRow[] = RENEW_TARGETS.map((t) => ({
    name: t.name,
    notAfter: leaf,
    caName: t.caName,
    externallyManaged: false,
  }));
  const cas: ExpirationRow[] = ["ca", "etcd-ca", "front-proxy-ca"].map((name) => ({
    name,
    notAfter: ca,
    externallyManaged: false,
  }));
  assertEquals(renderExpiration(certs, cas, now), KUBEADM);
});

Deno.test("the residual time follows apimachinery's ShortHumanDuration at every boundary", () => {
  const s = 1000, h = 3600 * s, d = 24 * h;
  const cases: [number, string][] = [
    [-2 * s, "<invalid>"],
    [-1999, "0s"],
    [-1 * s, "0s"],
    [0, "0s"],
    [59 * s + 999, "59s"],
    [60 * s, "1m"],
    [h - 1, "59m"],
    [h, "1h"],
    [d - 1, "23h"],
    [d, "1d"],
    [365 * d - 1, "364d"],
    [365 * d, "1y"],
    [3650 * d - 1, "9y"],
    [3650 * d, "10y"],
  ];
  for (const [ms, want] of cases) assertEquals(shortHumanDuration(ms), want, `${ms} ms`);
});

Deno.test("a kubeconfig written as JSON keeps its layout and quoting when its client certificate is swapped", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  const file = join(dir.path, K8S, "controller-manager.conf");
  const json = (await run("kubectl", ["config", "view", "--raw", "--kubeconfig", file, "-o", "json"])).stdout;
  await Deno.writeTextFile(file, json);
  const before = readKubeconfigClient(json, file);
  await certsRenew(["controller-manager.conf"], { rootfs: dir.path }, memoryLogger());
  const text = await Deno.readTextFile(file);
  const after = readKubeconfigClient(text, file);
  assert(after.certPem !== before.certPem);
  assertEquals(after.withClientCert(before.certPem), json);
  await using pems = await tempDir();
  const { cert, key } = await clientPems(file, pems.path);
  await assertCertSignedBy(cert, join(dir.path, PKI, "ca.crt"), new Date());
  await assertKeyMatchesCert(key, cert);
});

Deno.test("check-expiration in-process uses the given clock", async () => {
  await using dir = await cluster(TEMPLATES.v134);
  const end = Date.parse(await field(join(dir.path, PKI, "apiserver.crt"), "enddate"));
  const log = memoryLogger();
  await certsCheckExpiration({ rootfs: dir.path }, log, new Date(end - 90 * 60_000));
  assertMatch(log.lines.join("\n"), /^apiserver +\w{3} \d\d, \d{4} \d\d:\d\d UTC +1h +ca +no {6}$/m);
});

Deno.test("certificate-key prints a new 32-byte key in hex each time", async () => {
  const [a, b] = await Promise.all([ok(["certs", "certificate-key"]), ok(["certs", "certificate-key"])]);
  assertMatch(a, /^[0-9a-f]{64}\n$/);
  assertMatch(b, /^[0-9a-f]{64}\n$/);
  assert(a !== b);
});
