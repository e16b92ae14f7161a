/** Per-phase timings of one in-process run (certs, kubeconfig), 4 rounds: `deno run -A bench/phases_profile.ts [ECDSA-P256|RSA-2048]`. */
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
const alg = Deno.args[0] ?? "ECDSA-P256";
const configText =
  `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.34.7\nencryptionAlgorithm: ${alg}\n`;
for (let i = 0; i < 4; i++) {
  const dir = await Deno.makeTempDir();
  const t0 = performance.now();
  const cfg = loadInitConfig({ configText, configPath: "x", host: HOST }).cfg;
  const t1 = performance.now();
  const ctx = await createInitContext(cfg, { dryRun: true, dryRunDir: dir, log: memoryLogger() });
  const tree = initPhases(ctx.minor);
  const t2 = performance.now();
  await runSelected(tree, ["certs"], ctx);
  const t3 = performance.now();
  await runSelected(tree, ["kubeconfig"], ctx);
  const t4 = performance.now();
  console.log(
    `load ${(t1 - t0).toFixed(1)} ctx ${(t2 - t1).toFixed(1)} certs ${(t3 - t2).toFixed(1)} kubeconfig ${
      (t4 - t3).toFixed(1)
    }`,
  );
}
