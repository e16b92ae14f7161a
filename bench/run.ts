/**
 * Benchmarks of the offline half (`deno task bench`): the certs + kubeconfig phases, RSA-2048 and
 * ECDSA-P256, with keys generated one after another vs concurrently (prefetched), in-process and as
 * whole commands (`kadm init phase certs all` + `kadm init phase kubeconfig all`), the latter both as
 * `deno run main.ts` and as the bundle (`deno bundle`, built here into a temp folder). Medians of N runs
 * (default 10; `--runs N`), wall time and peak memory, and the load average before and after: other work
 * on the machine shows in every figure (fsync latency and CPU share). Timings live here, never in tests.
 */
import { loadInitConfig } from "../lib/config/mod.ts";
import type { EncryptionAlgorithm } from "../lib/model.ts";
import { memoryLogger } from "../lib/log.ts";
import { type KeySource, webCryptoKeySource } from "../lib/pki/keys.ts";
import { createInitContext } from "../phases/context.ts";
import { initPhases } from "../phases/mod.ts";
import { runSelected } from "../phases/runner.ts";

const runsArg = Deno.args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(Deno.args[runsArg + 1]) : 10;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const HOST = {
  hostname: () => "master-1",
  advertiseAddress: () => "127.0.0.1",
  randomToken: () => "abcdef.0123456789abcdef",
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Web Crypto without the prefetch pool, one key at a time: each generation waits for the one before. */
function sequentialKeys(): KeySource {
  const inner = webCryptoKeySource();
  let last: Promise<unknown> = Promise.resolve();
  return {
    generate(alg) {
      const next = last.then(() => inner.generate(alg));
      last = next.catch(() => {});
      return next;
    },
  };
}

function config(alg: EncryptionAlgorithm) {
  const configText = configTextFor(alg).replace("PKI", "/etc/kubernetes/pki");
  return loadInitConfig({ configText, configPath: "bench.yaml", host: HOST }).cfg;
}

/** The whole offline half in-process (dry-run into a temp folder): certs, kubeconfig, etcd,
 * control-plane, kubelet-start. */
async function offlineHalf(alg: EncryptionAlgorithm): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "kadm-bench-" });
  try {
    const t0 = performance.now();
    const ctx = await createInitContext(config(alg), { dryRun: true, dryRunDir: dir, log: memoryLogger() });
    const tree = initPhases(ctx.minor);
    for (const p of ["certs", "kubeconfig", "etcd", "control-plane", "kubelet-start"]) {
      await runSelected(tree, [p], ctx);
    }
    return performance.now() - t0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function inProcess(alg: EncryptionAlgorithm, concurrent: boolean): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "kadm-bench-" });
  try {
    const t0 = performance.now();
    const ctx = await createInitContext(config(alg), {
      dryRun: true,
      dryRunDir: dir,
      log: memoryLogger(),
      keys: concurrent ? webCryptoKeySource() : sequentialKeys(),
    });
    const tree = initPhases(ctx.minor);
    await runSelected(tree, ["certs"], ctx);
    await runSelected(tree, ["kubeconfig"], ctx);
    return performance.now() - t0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs a command and returns [wall ms, peak RSS KiB] (peak from the kernel's rusage, via python3). */
async function timed(args: string[]): Promise<[number, number]> {
  const script = "import resource,subprocess,sys,time\n" +
    "t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n" +
    "w=(time.perf_counter()-t)*1000\n" +
    "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)";
  const out = await new Deno.Command("python3", { args: ["-c", script, ...args], stdout: "piped" }).output();
  const [wall, rss, rc] = new TextDecoder().decode(out.stdout).trim().split(" ").map(Number);
  if (rc !== 0) throw new Error(`${args.join(" ")} exited ${rc}`);
  return [wall!, rss!];
}

function configTextFor(alg: EncryptionAlgorithm): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.34.7
certificatesDir: PKI
encryptionAlgorithm: ${alg}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
nodeRegistration:
  name: master-1
`;
}

const rows: string[] = [];
const peakBefore = Deno.memoryUsage().rss;
const loadBefore = Deno.loadavg();
for (const alg of ["RSA-2048", "ECDSA-P256"] as const) {
  for (const concurrent of [false, true]) {
    await inProcess(alg, concurrent); // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await inProcess(alg, concurrent));
    rows.push(
      `| in-process certs + kubeconfig | ${alg} | ${concurrent ? "concurrent" : "sequential"} | ${
        median(times).toFixed(0)
      } ms | ${(Deno.memoryUsage().rss / 1048576).toFixed(0)} MiB (rss after) |`,
    );
  }
}
for (const alg of ["RSA-2048", "ECDSA-P256"] as const) {
  await offlineHalf(alg);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await offlineHalf(alg));
  rows.push(
    `| in-process offline half (certs, kubeconfig, etcd, control-plane, kubelet-start) | ${alg} | concurrent | ${
      median(times).toFixed(0)
    } ms | ${(Deno.memoryUsage().rss / 1048576).toFixed(0)} MiB (rss after) |`,
  );
}
const bundleDir = await Deno.makeTempDir({ prefix: "kadm-bench-bundle-" });
const BUNDLE = `${bundleDir}/kadm.js`;
const bundled = await new Deno.Command(Deno.execPath(), {
  args: ["bundle", "--quiet", "-o", BUNDLE, MAIN],
  stdout: "null",
}).output();
if (!bundled.success) throw new Error(`deno bundle failed: ${new TextDecoder().decode(bundled.stderr)}`);
for (const [label, entry] of [["deno run main.ts", MAIN], ["deno run bundle", BUNDLE]] as const) {
  for (const alg of ["RSA-2048", "ECDSA-P256"] as const) {
    const walls: number[] = [];
    const peaks: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const [w, p] = await wholeCommandsIn(alg, entry);
      walls.push(w);
      peaks.push(p);
    }
    rows.push(
      `| kadm init phase certs all + kubeconfig all (${label}) | ${alg} | concurrent | ${
        median(walls).toFixed(0)
      } ms | ${(Math.max(...peaks) / 1024).toFixed(0)} MiB (peak) |`,
    );
  }
}
await Deno.remove(bundleDir, { recursive: true });

async function wholeCommandsIn(alg: EncryptionAlgorithm, entry: string): Promise<[number, number]> {
  const dir = await Deno.makeTempDir({ prefix: "kadm-bench-" });
  try {
    const file = `${dir}/kadm.yaml`;
    await Deno.writeTextFile(file, configTextFor(alg).replace("PKI", `${dir}/pki`));
    const base = [Deno.execPath(), "run", "-A", entry, "init", "phase"];
    const [w1, m1] = await timed([...base, "certs", "all", "--config", file]);
    const [w2, m2] = await timed([
      ...base,
      "kubeconfig",
      "all",
      "--config",
      file,
      "--kubeconfig-dir",
      `${dir}/kc`,
    ]);
    return [w1 + w2, Math.max(m1, m2)];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(
  `kadm offline-half benchmark: ${RUNS} runs each, median wall time; ${navigator.hardwareConcurrency} CPUs`,
);
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
console.log(`(process rss at start ${(peakBefore / 1048576).toFixed(0)} MiB)`);
console.log(`load average (1/5/15 min): before ${load(loadBefore)}, after ${load(Deno.loadavg())}\n`);
console.log("| what | keys | key generation | median wall | memory |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
