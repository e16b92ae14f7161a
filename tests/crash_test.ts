/**
 * Crash safety: `kadm init` (a subprocess of main.ts, `--dry-run --dry-run-dir D`, the API phases
 * skipped) is killed with SIGKILL after a seeded random delay, again and again, on fresh and on
 * half-written trees. After every kill no file in the tree may be partial or unreadable (certificates
 * and keys parse, kubeconfigs and manifests parse as YAML, kadm's record as JSON); after a plain re-run
 * the tree is complete, has no stray temp file, and its chains verify with openssl.
 */
import { API_PHASES } from "../lib/versions.ts";
import { assert, assertEquals } from "./_std.ts";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { openssl } from "./_assert.ts";
import { parseCertsPem } from "../lib/pki/certs.ts";
import { parsePrivateKeyPem, pemDecodeAll } from "../lib/pki/keys.ts";
import { parseState, STATE_FILE } from "../lib/state.ts";
import { KUBELET_DROPIN } from "../lib/kubelet.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const SKIP = ["preflight", ...API_PHASES].join(",");
const TEMP = /^\..*\.kadm-[0-9a-z]+\.tmp$/;
const MIN_KILLS = 50;
const BUDGET_MS = 60_000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function config(alg: "ECDSA-P256" | "RSA-2048"): string {
  return [
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: InitConfiguration",
    "localAPIEndpoint:",
    "  advertiseAddress: 10.0.0.10",
    "nodeRegistration:",
    "  name: crash-node",
    "  criSocket: unix:///run/containerd/containerd.sock",
    "bootstrapTokens:",
    "- token: abcdef.0123456789abcdef",
    "---",
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: ClusterConfiguration",
    "kubernetesVersion: v1.34.7",
    `encryptionAlgorithm: ${alg}`,
    "",
  ].join("\n");
}

function initArgs(dir: string, cfg: string): string[] {
  return [
    "run",
    "-A",
    MAIN,
    "init",
    "--dry-run",
    "--dry-run-dir",
    dir,
    "--config",
    cfg,
    "--skip-phases",
    SKIP,
  ];
}

/** Starts kadm init and SIGKILLs it after `delayMs`; true when it was still running (a real kill). */
async function killAfter(dir: string, cfg: string, delayMs: number): Promise<boolean> {
  const child = new Deno.Command(Deno.execPath(), {
    args: initArgs(dir, cfg),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let done = false;
  const status = child.status.then((s) => {
    done = true;
    return s;
  });
  await Promise.race([status, new Promise((r) => setTimeout(r, delayMs))]);
  let killed = !done;
  if (killed) {
    try {
      child.kill("SIGKILL");
    } catch {
      killed = false; // it ended between the check and the kill
    }
  }
  const s = await status;
  return killed && s.signal === "SIGKILL";
}

async function plainRun(dir: string, cfg: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), { args: initArgs(dir, cfg), stdin: "null" }).output();
  assertEquals(out.code, 0, `re-run in ${dir} failed:\n${new TextDecoder().decode(out.stderr)}`);
}

async function* files(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* files(p);
    else yield p;
  }
}

/** Every file but kadm's temp files is whole: it parses as what its name says. Returns the temp files. */
async function assertWhole(dir: string, what: string): Promise<string[]> {
  const temps: string[] = [];
  for await (const p of files(dir)) {
    const name = p.slice(p.lastIndexOf("/") + 1);
    if (TEMP.test(name)) {
      temps.push(p);
      continue;
    }
    const text = await Deno.readTextFile(p);
    const where = `${what}: ${p}`;
    assert(text.length > 0, `${where} is empty`);
    if (name.endsWith(".crt")) parseCertsPem(text, p);
    else if (name.endsWith(".key")) await parsePrivateKeyPem(text, p);
    else if (name.endsWith(".pub")) {
      const b = pemDecodeAll(text).find((x) => x.type === "PUBLIC KEY");
      assert(b, `${where} has no PUBLIC KEY`);
      await crypto.subtle.importKey("spki", b.data, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"])
        .catch(() =>
          crypto.subtle.importKey("spki", b.data, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, [
            "verify",
          ])
        );
    } else if (name === STATE_FILE) parseState(text, p);
    else if (name === "10-kubeadm.conf") {
      assertEquals(text, KUBELET_DROPIN, `${where} is not the whole drop-in`);
    } else if (name.endsWith(".conf") || name.endsWith(".yaml")) {
      const docs = parseAllDocuments(text);
      for (const d of Array.isArray(docs) ? docs : [docs]) {
        assertEquals(d.errors.length, 0, `${where} is not YAML: ${d.errors[0]?.message}`);
      }
      if (name !== "instance-config.yaml") {
        const first = (Array.isArray(docs) ? docs[0] : docs)?.toJS();
        assert(first && typeof first === "object" && "kind" in first, `${where} has no kind`);
      }
    } else assert(text.endsWith("\n"), `${where} is cut short`);
  }
  return temps;
}

const CHAINS: readonly [string, readonly string[]][] = [
  ["ca", ["apiserver", "apiserver-kubelet-client"]],
  ["front-proxy-ca", ["front-proxy-client"]],
  ["etcd/ca", ["etcd/server", "etcd/peer", "etcd/healthcheck-client", "apiserver-etcd-client"]],
];

async function assertComplete(dir: string): Promise<void> {
  const temps = await assertWhole(dir, "after the re-run");
  assertEquals(temps, [], "stray temp files after a re-run");
  const pki = join(dir, "etc/kubernetes/pki");
  for (const [ca, leaves] of CHAINS) {
    const out = await openssl([
      "verify",
      "-CAfile",
      `${pki}/${ca}.crt`,
      ...leaves.map((l) => `${pki}/${l}.crt`),
    ]);
    assertEquals(out.trim().split("\n").filter((l) => l.endsWith(": OK")).length, leaves.length, out);
  }
  await openssl(["pkey", "-check", "-noout", "-in", `${pki}/apiserver.key`]);
  for (
    const f of ["admin.conf", "super-admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf"]
  ) {
    assert((await Deno.stat(join(dir, "etc/kubernetes", f))).isFile, f);
  }
  for (const m of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    assert((await Deno.stat(join(dir, "etc/kubernetes/manifests", `${m}.yaml`))).isFile, m);
  }
}

Deno.test({
  name: "init killed with SIGKILL at 50+ random points never leaves a partial file, and a re-run completes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const start = Date.now();
    const root = await Deno.makeTempDir({ prefix: "kadm-crash-" });
    try {
      const cfgs = {
        ecdsa: join(root, "ecdsa.yaml"),
        rsa: join(root, "rsa.yaml"),
      };
      await Deno.writeTextFile(cfgs.ecdsa, config("ECDSA-P256"));
      await Deno.writeTextFile(cfgs.rsa, config("RSA-2048"));
      // How long a full run takes here: the kill delays are drawn up to it.
      const t0 = Date.now();
      await plainRun(join(root, "timing"), cfgs.ecdsa);
      const full = Date.now() - t0;
      console.log(`a full run takes ${full} ms`);
      const r = prng(20260417);
      let kills = 0, runs = 0, chains = 0;
      // Two chains at a time (2 cores); each chain: 3 kills on one tree (the later ones resume a
      // half-written tree), the tree checked after each, then a plain re-run and the final checks.
      const chain = async (n: number) => {
        const dir = join(root, `tree-${n}`);
        const cfg = n % 6 === 5 ? cfgs.rsa : cfgs.ecdsa;
        for (let k = 0; k < 3; k++) {
          const delay = Math.floor(150 + r() * (k === 0 ? full : full * 0.8));
          runs++;
          if (await killAfter(dir, cfg, cfg === cfgs.rsa ? delay * 2 : delay)) kills++;
          await assertWhole(dir, `tree ${n} after a kill at ${delay} ms`);
        }
        await plainRun(dir, cfg);
        await assertComplete(dir);
        await Deno.remove(dir, { recursive: true });
      };
      while (kills < MIN_KILLS + 4 && Date.now() - start < BUDGET_MS) {
        await Promise.all([chain(chains++), chain(chains++)]);
      }
      assert(kills >= MIN_KILLS, `only ${kills} of ${runs} runs were killed before they finished`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
