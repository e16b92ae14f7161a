/**
 * No secret in the output: a full `kadm init --dry-run` (a subprocess, stdout and stderr) and a real
 * init against the test API server (every line it logs) are scanned for every private key on disk
 * (the PEM body, its DER in base64 and hex, the PEM in base64 as kubeconfigs embed it), every
 * kubeconfig client key, and the bootstrap token secret (plain, base64, hex). The only allowed
 * occurrences are the join command and kubeadm's `[bootstrap-token] Using token:` line, and none at
 * all with --skip-token-print.
 */
import { assert, assertEquals, assertThrows } from "./_std.ts";
import { join } from "node:path";
import { parse } from "yaml";
import { pemDecodeAll } from "../lib/pki/keys.ts";
import { e2eEnv, kadmSubprocess, TOKEN } from "./support/e2e.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const enc = (s: string) => new TextEncoder().encode(s);

async function* files(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* files(p);
    else if (e.isFile) yield p;
  }
}

/** Needles (name -> text) for one private key PEM: each form a leak could take. */
function keyNeedles(name: string, pem: string): [string, string][] {
  const out: [string, string][] = [];
  for (const b of pemDecodeAll(pem).filter((x) => x.type.endsWith("PRIVATE KEY"))) {
    const der64 = b64(b.data), derHex = hex(b.data.subarray(b.data.length - 40));
    out.push([`${name} (PEM/base64 DER, first line)`, der64.slice(0, 64)]);
    out.push([`${name} (base64 DER, tail)`, der64.slice(-48, -4)]);
    out.push([`${name} (hex DER)`, derHex], [`${name} (HEX DER)`, derHex.toUpperCase()]);
    out.push([`${name} (base64 of the PEM)`, b64(enc(pem)).slice(8, 72)]);
  }
  return out;
}

function tokenNeedles(token: string): [string, string][] {
  const secret = token.split(".")[1]!;
  return [
    ["token secret", secret],
    ["token secret (base64)", btoa(secret)],
    ["token (base64)", btoa(token)],
    ["token secret (hex)", hex(enc(secret))],
  ];
}

/** Every private key and kubeconfig client key under `root`. */
async function secretsOnDisk(root: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const p of files(root)) {
    if (p.endsWith(".key")) out.push(...keyNeedles(p, await Deno.readTextFile(p)));
    if (p.endsWith(".conf") && !p.includes("kubelet.service.d")) {
      const kc = parse(await Deno.readTextFile(p)) as { users?: { user?: Record<string, string> }[] };
      for (const u of kc.users ?? []) {
        const data = u.user?.["client-key-data"];
        if (!data) continue;
        out.push([`${p} client-key-data`, data.slice(8, 72)]);
        out.push(...keyNeedles(`${p} client key`, atob(data)));
      }
    }
  }
  return out;
}

const ALLOWED = [/^\[bootstrap-token\] Using token: /, /^kubeadm join \S+ --token /];

/** Fails naming the needle and the line for any occurrence outside the allowed lines. */
function assertNoLeak(output: string, needles: readonly [string, string][], allowToken: boolean): void {
  assert(needles.length > 10, `only ${needles.length} secrets to look for`);
  assert(!output.includes("PRIVATE KEY"), "a PEM private key header is printed");
  for (const line of output.split("\n")) {
    if (allowToken && ALLOWED.some((re) => re.test(line))) continue;
    for (const [what, needle] of needles) {
      assert(!line.includes(needle), `${what} leaks in: ${line.slice(0, 200)}`);
    }
  }
}

function config(version: string, token: string | undefined): string {
  return [
    `apiVersion: kubeadm.k8s.io/${version === "v1.20.2" ? "v1beta2" : "v1beta4"}`,
    "kind: InitConfiguration",
    "localAPIEndpoint:",
    "  advertiseAddress: 10.0.0.10",
    "nodeRegistration:",
    "  name: secret-node",
    ...(token ? ["bootstrapTokens:", `- token: ${token}`] : []),
    "---",
    `apiVersion: kubeadm.k8s.io/${version === "v1.20.2" ? "v1beta2" : "v1beta4"}`,
    "kind: ClusterConfiguration",
    `kubernetesVersion: ${version}`,
    "",
  ].join("\n");
}

for (const version of ["v1.20.2", "v1.34.7"]) {
  Deno.test(`a full ${version} dry-run prints no key and the token only where kubeadm does`, async () => {
    const root = await Deno.makeTempDir({ prefix: "kadm-secrets-" });
    try {
      const cfg = join(root, "cfg.yaml");
      await Deno.writeTextFile(cfg, config(version, TOKEN));
      for (const skip of [false, true]) {
        const dir = join(root, skip ? "skip" : "print");
        const r = await kadmSubprocess([
          "init",
          "--dry-run",
          "--dry-run-dir",
          dir,
          "--config",
          cfg,
          "--upload-certs",
          ...(skip ? ["--skip-token-print", "--skip-certificate-key-print"] : []),
        ]);
        assertEquals(r.code, 0, r.stderr);
        const out = r.stdout + r.stderr;
        const needles = [...await secretsOnDisk(dir), ...tokenNeedles(TOKEN)];
        assertNoLeak(out, needles, !skip);
        // The scanner itself finds a leaked key body.
        const caKey = await Deno.readTextFile(join(dir, "etc/kubernetes/pki/ca.key"));
        const body = caKey.split("\n").filter((l) => !l.startsWith("-----")).join("\n");
        assertThrows(() => assertNoLeak(`${out}\nsome line ${body}`, needles, !skip), /leaks in/);
        const tokenLines = out.split("\n").filter((l) => l.includes(TOKEN.split(".")[1]!));
        assertEquals(tokenLines.length, skip ? 0 : 2, tokenLines.join("\n"));
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("a real init against the test API server logs no key and the generated token only where kubeadm does", async () => {
  await using env = await e2eEnv("v1.34.7");
  await using api = await env.startApi();
  await env.writeConfig({ apiPort: api.port, generatedToken: true });
  const run = await env.init();
  if (run.error) throw run.error;
  const out = [...run.lines, ...run.warnings].join("\n");
  const token = out.match(/\[bootstrap-token\] Using token: ([a-z0-9]{6}\.[a-z0-9]{16})/)?.[1];
  assert(token, "no token line");
  assertNoLeak(out, [...await secretsOnDisk(join(env.root, "etc/kubernetes")), ...tokenNeedles(token)], true);
  assertEquals(out.split("\n").filter((l) => l.includes(token.split(".")[1]!)).length, 2);
});
