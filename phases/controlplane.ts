/**
 * Phase `control-plane`: static Pod manifests for kube-apiserver, kube-controller-manager and
 * kube-scheduler.
 * Inputs: cluster.apiServer/controllerManager/scheduler (extraArgs, extraVolumes, extraEnvs),
 * networking, certificatesDir, imageRepository, unifiedControlPlaneImage, etcd (external endpoints),
 * localAPIEndpoint, patchesDirectory (patches applied to each Pod before it is written); host: optional CA
 * folders, *_proxy env, ca.key presence (external CA).
 * Outputs: /etc/kubernetes/manifests/<component>.yaml (0600, folder 0700).
 */
import {
  CONTROL_PLANE_COMPONENTS,
  type ControlPlaneComponent,
  type ManifestHostFacts,
  optionalHostPaths,
  renderControlPlanePods,
} from "../lib/manifests/controlplane.ts";
import { proxyEnvFrom } from "../lib/manifests/pod.ts";
import { exists } from "../lib/host.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import { type InitContext, memo, onDisk, type Phase } from "./types.ts";
import { writeManifest } from "./manifest-files.ts";
import { applyPatches } from "./patches.ts";
import { daemonSetName } from "../lib/selfhosting.ts";
import { handedOver, requireSelfHostedAPI } from "./selfhosting_state.ts";

export async function manifestHostFacts(ctx: InitContext): Promise<ManifestHostFacts> {
  const present = new Set<string>();
  for (const p of optionalHostPaths(ctx.minor)) if (await ctx.hostPathExists(p)) present.add(p);
  const pki = onDisk(ctx, ctx.cfg.cluster.certificatesDir);
  const externalCA = await exists(`${pki}/ca.crt`) && !(await exists(`${pki}/ca.key`));
  return { caDirsPresent: present, proxyEnv: proxyEnvFrom(Deno.env.toObject()), externalCA };
}

function componentPhase(component: ControlPlaneComponent, short: string): Phase {
  return {
    name: component.replace(/^kube-/, ""),
    short,
    async run(ctx) {
      if (await handedOver(ctx, component)) {
        // Writing it back would start a second copy next to the DaemonSet's (same host ports).
        ctx.log.info(
          `[control-plane] "${component}" is self-hosted (DaemonSet kube-system/${
            daemonSetName(component)
          }): its static Pod manifest is not written again`,
        );
        if (component === "kube-apiserver") await requireSelfHostedAPI(ctx);
        return;
      }
      ctx.log.info(`[control-plane] Creating static Pod manifest for "${component}"`);
      // Rendered once per run for the three sub-phases (the host facts are probed once too).
      const pods = await memo(
        ctx,
        "control-plane:pods",
        async () => renderControlPlanePods(ctx.cfg, ctx.minor, await manifestHostFacts(ctx)),
      );
      const pod = applyPatches(ctx, component, pods[component]);
      await writeManifest(ctx, component, toKubeYaml(pod));
    },
  };
}

export const controlPlanePhase: Phase = {
  name: "control-plane",
  short: "Generate all static Pod manifest files necessary to establish the control plane",
  run(ctx) {
    ctx.log.info(`[control-plane] Using manifest folder "${onDisk(ctx, ctx.paths.manifestsDir)}"`);
    return Promise.resolve();
  },
  phases: [
    componentPhase("kube-apiserver", "Generates the kube-apiserver static Pod manifest"),
    componentPhase("kube-controller-manager", "Generates the kube-controller-manager static Pod manifest"),
    componentPhase("kube-scheduler", "Generates the kube-scheduler static Pod manifest"),
  ],
};

export { CONTROL_PLANE_COMPONENTS };
