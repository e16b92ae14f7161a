/**
 * Domain assertions shared by the tests. Real consumers judge the output: openssl for
 * certificates and keys, kubectl for kubeconfigs. Add helpers here in the same style: one
 * exported function per check, a message that names the file.
 */
import { AssertionError } from "node:assert";

// ---------------------------------------------------------------- tools

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with optional stdin; never throws on a non-zero exit. */
export async function run(
  cmd: string,
  args: readonly string[],
  stdin?: string | Uint8Array,
): Promise<ToolResult> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** `openssl <args>`; returns stdout, fails the test (with openssl's stderr) on a non-zero exit. */
export async function openssl(args: readonly string[], stdin?: string | Uint8Array): Promise<string> {
  const r = await run("openssl", args, stdin);
  if (r.code !== 0) {
    throw new AssertionError({ message: `openssl ${args.join(" ")} failed: ${r.stderr.trim()}` });
  }
  return r.stdout;
}

/** `openssl <args>` returning raw stdout bytes (for DER output). */
export async function opensslBytes(
  args: readonly string[],
  stdin?: string | Uint8Array,
): Promise<Uint8Array> {
  const child = new Deno.Command("openssl", {
    args: [...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const w = child.stdin.getWriter();
  if (stdin !== undefined) await w.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
  await w.close();
  const out = await child.output();
  if (out.code !== 0) {
    throw new AssertionError({
      message: `openssl ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    });
  }
  return out.stdout;
}

// ---------------------------------------------------------------- files

/** A temp folder removed at the end of the scope: `await using dir = await tempDir()`. */
export async function tempDir(prefix = "kadm-test-"): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

export async function assertFileMode(path: string, mode: number): Promise<void> {
  const got = (await Deno.stat(path)).mode! & 0o777;
  if (got !== mode) {
    throw new AssertionError({ message: `${path}: mode ${got.toString(8)}, expected ${mode.toString(8)}` });
  }
}

/** Every file under `dir` (relative path -> bytes), to prove a run changed nothing. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`, r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p, r);
      else out.set(r, await Deno.readTextFile(p));
    }
  };
  await walk(dir, "");
  return out;
}

// ---------------------------------------------------------------- certificates

/** `openssl verify` of `cert` against `ca` at time `at` (the test clock, not the wall clock). */
export async function assertCertSignedBy(cert: string, ca: string, at: Date): Promise<void> {
  const attime = String(Math.floor(at.getTime() / 1000));
  const out = await openssl(["verify", "-x509_strict", "-attime", attime, "-CAfile", ca, cert]);
  if (!out.trim().endsWith(": OK")) {
    throw new AssertionError({ message: `${cert} not verified by ${ca}: ${out}` });
  }
}

/** `openssl x509 -noout -text` with RFC 2253 names (CN=x,O=y as in certs.txt). */
export function certText(path: string): Promise<string> {
  return openssl(["x509", "-in", path, "-noout", "-text", "-nameopt", "RFC2253"]);
}

/** The value line(s) printed under an extension heading, e.g. "X509v3 Key Usage". */
export function extensionLines(
  text: string,
  heading: string,
): { critical: boolean; value: string } | undefined {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.trim().startsWith(heading + ":"));
  if (i < 0) return undefined;
  return { critical: lines[i]!.includes("critical"), value: lines[i + 1]!.trim() };
}

/** The key file holds a valid key (`openssl pkey -check`) whose public key is the certificate's. */
export async function assertKeyMatchesCert(key: string, cert: string): Promise<void> {
  await openssl(["pkey", "-in", key, "-check", "-noout"]);
  const fromKey = await openssl(["pkey", "-in", key, "-pubout"]);
  const fromCert = await openssl(["x509", "-in", cert, "-noout", "-pubkey"]);
  if (fromKey !== fromCert) throw new AssertionError({ message: `${key} is not the key of ${cert}` });
}

// ---------------------------------------------------------------- kubeconfigs

/** kubectl reads the file, and its current cluster's server is `server`. */
export async function assertKubeconfigServer(path: string, server: string): Promise<void> {
  const r = await run("kubectl", [
    "config",
    "view",
    "--kubeconfig",
    path,
    "-o",
    "jsonpath={.clusters[0].cluster.server}",
  ]);
  if (r.code !== 0) throw new AssertionError({ message: `kubectl cannot read ${path}: ${r.stderr.trim()}` });
  if (r.stdout !== server) {
    throw new AssertionError({ message: `${path}: server ${r.stdout}, expected ${server}` });
  }
}
