/**
 * Per-phase timings of the offline half in-process (dry-run into a temp folder): config load, context,
 * certs, kubeconfig, etcd, control-plane, kubelet-start; the median of each over N runs after one
 * warm-up run. `deno run -A bench/phases_profile.ts [ECDSA-P256|RSA-2048] [--runs N]` (default 10).
 */
import { loadInitConfig } from "../lib/config/mod.ts";
import { memoryLogger } from "../lib/log.ts";
import { createInitContext } from "../phases/context.ts";
import { initPhases } from "../phases/mod.ts";
import { runSelected } from "../phases/runner.ts";

const HOST = {
  hostname: () => "master-1",
  advertiseAddress: () => "127.0.0.1",
  randomToken: () => "abcdef.0123456789abcdef",
};
const alg = Deno.args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? "ECDSA-P256";
const runsArg = Deno.args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(Deno.args[runsArg + 1]) : 10;
const PHASES = ["certs", "kubeconfig", "etcd", "control-plane", "kubelet-start"];
const configText = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.34.7
certificatesDir: /etc/kubernetes/pki
encryptionAlgorithm: ${alg}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
nodeRegistration:
  name: master-1
`;

async function once(): Promise<Record<string, number>> {
  const dir = await Deno.makeTempDir({ prefix: "kadm-profile-" });
  try {
    const times: Record<string, number> = {};
    let t = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      times[name] = now - t;
      t = now;
    };
    const t0 = t;
    const cfg = loadInitConfig({ configText, configPath: "profile.yaml", host: HOST }).cfg;
    lap("load");
    const ctx = await createInitContext(cfg, { dryRun: true, dryRunDir: dir, log: memoryLogger() });
    const tree = initPhases(ctx.minor);
    lap("ctx");
    for (const p of PHASES) {
      await runSelected(tree, [p], ctx);
      lap(p);
    }
    times.total = performance.now() - t0;
    return times;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

await once(); // warm-up
const all: Record<string, number>[] = [];
for (let i = 0; i < RUNS; i++) all.push(await once());
console.log(
  `${alg}, median of ${RUNS} runs (load average ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}):`,
);
for (const k of ["load", "ctx", ...PHASES, "total"]) {
  console.log(`  ${k.padEnd(14)} ${median(all.map((r) => r[k]!)).toFixed(1).padStart(7)} ms`);
}
