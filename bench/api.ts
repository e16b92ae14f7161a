/**
 * Benchmark of the API half (`deno run -A bench/api.ts [--runs N]`): a real `kadm init` (in-process,
 * --rootfs a temp folder) against the test API server (tests/support/apiserver.ts) on 127.0.0.1, timed
 * from the moment the control plane answered healthy to the end of init: upload-config, upload-certs,
 * mark-control-plane (including the wait for the kubelet to register the Node, ~300 ms in this setup),
 * bootstrap-token, kubelet-finalize, addons, join command. Medians of N runs (default 5), v1.20 and
 * v1.34. The health poll interval (500 ms, as kubeadm) only matters before this window.
 */
import { runInit } from "../cli/init.ts";
import type { Logger } from "../lib/log.ts";
import { e2eEnv, type E2eVersion } from "../tests/support/e2e.ts";

const runsArg = Deno.args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(Deno.args[runsArg + 1]) : 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The line after which the API server is known to be healthy. */
const HEALTHY =
  /All control plane components are healthy|\[control-plane-check\] kube-apiserver is healthy|\[api-check\] The API server is healthy/;

async function once(version: E2eVersion): Promise<{ apiHalf: number; requests: number }> {
  await using env = await e2eEnv(version);
  await using api = await env.startApi();
  await env.writeConfig({ apiPort: api.port });
  let healthyAt = 0;
  const log: Logger = {
    info(l) {
      if (HEALTHY.test(l)) healthyAt = performance.now();
    },
    warn() {},
  };
  await runInit({ rootfs: env.root, config: env.cfgPath, ignorePreflightErrors: ["all"] }, log);
  const end = performance.now();
  if (healthyAt === 0) throw new Error("never saw the control plane become healthy");
  return { apiHalf: end - healthyAt, requests: api.requests.length };
}

console.log(`kadm API-half benchmark against the test API server: ${RUNS} runs each, median\n`);
console.log("| version | API half (healthy -> exit) | requests |");
console.log("|---|---|---|");
for (const v of ["v1.20.2", "v1.34.7"] as const) {
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await once(v);
    times.push(r.apiHalf);
    requests = r.requests;
  }
  console.log(`| ${v} | ${median(times).toFixed(0)} ms | ${requests} |`);
}
