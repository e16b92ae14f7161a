/**
 * Phase `etcd`: the local etcd static Pod (skipped with external etcd).
 * Inputs: etcd.local (dataDir, image, extraArgs, extraEnvs), localAPIEndpoint, nodeRegistration.name,
 * certificatesDir, patchesDirectory (target "etcd"). Outputs: the data folder (0700) and
 * /etc/kubernetes/manifests/etcd.yaml (0600).
 */
import { renderEtcdPod } from "../lib/manifests/etcd.ts";
import { proxyEnvFrom } from "../lib/manifests/pod.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import { onDisk, type Phase } from "./types.ts";
import { writeManifest } from "./manifest-files.ts";
import { applyPatches } from "./patches.ts";

const localPhase: Phase = {
  name: "local",
  short: "Generate the static Pod manifest file for a local, single-node local etcd instance",
  runIf: (ctx) => ctx.cfg.cluster.etcd.local !== undefined,
  async run(ctx) {
    const local = ctx.cfg.cluster.etcd.local!;
    if (ctx.dryRun) {
      ctx.log.info(`[dryrun] Would ensure that "${local.dataDir}" directory is present`);
    } else {
      await Deno.mkdir(onDisk(ctx, local.dataDir), { recursive: true, mode: 0o700 });
    }
    ctx.log.info(
      `[etcd] Creating static Pod manifest for local etcd in "${onDisk(ctx, ctx.paths.manifestsDir)}"`,
    );
    const pod = applyPatches(
      ctx,
      "etcd",
      renderEtcdPod(ctx.cfg, ctx.minor, proxyEnvFrom(Deno.env.toObject())),
    );
    await writeManifest(ctx, "etcd", toKubeYaml(pod));
  },
};

export const etcdPhase: Phase = {
  name: "etcd",
  short: "Generate static Pod manifest file for local etcd",
  phases: [localPhase],
};
