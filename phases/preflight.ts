/**
 * Phase `preflight`: kubeadm init's pre-flight checks for the chosen minor (lib/preflight), before
 * anything is written.
 * Inputs: nodeRegistration (name, criSocket, ignorePreflightErrors), localAPIEndpoint (advertise
 * address, bindPort), networking (Service / Pod subnets), etcd (local dataDir or external endpoints
 * and client certificates), the kubernetesVersion; the host through a PreflightHost.
 * Outputs: `[preflight] Running pre-flight checks`, `\t[WARNING Name]: msg` lines on stderr, and on
 * failure one UserError holding kubeadm's `[preflight] Some fatal errors occurred:` block.
 * IsPrivilegedUser runs first and alone. Names in --ignore-preflight-errors (any case, or `all`) turn
 * that check's errors into warnings; in dry-run every error is only a warning, and the image pull is
 * announced instead of done.
 *
 * On a re-run over kadm's own control plane (kadm's record says it made the CA, its API server
 * manifest is there) the checks that control plane fails by design (its ports, manifests, etcd data)
 * are skipped, so `kadm init` can run again, e.g. from cloud-init on every boot.
 * Images: outside dry-run kubeadm pulls the control-plane images here (ImagePull check,
 * imagePullPolicy / imagePullSerial). kadm does not pull during init: where the runtime CLI (crictl, or
 * docker for the dockershim socket) is on PATH it reports the images missing locally as one
 * `[WARNING ImagePull]` line pointing at `kadm config images pull` (lib/images_pull.ts).
 */
import { UserError } from "../lib/errors.ts";
import {
  fatalMessage,
  ignoreSet,
  initChecks,
  type PreflightHost,
  privilegedUserCheck,
  realPreflightHost,
  resolveCRISocket,
  runChecks,
} from "../lib/preflight/mod.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";
import { isKadmGenerated } from "../lib/state.ts";
import { recordedSelfHosted } from "./selfhosting_state.ts";
import { exists } from "../lib/host.ts";
import { imageList } from "../lib/images.ts";
import { imagesPresentCheck } from "../lib/images_pull.ts";
import { criEndpoint } from "../lib/kubelet.ts";

/**
 * A re-run over kadm's own control plane: kadm's record says it generated this cluster's CA and the
 * API server manifest it writes is there (or the record says the API server is self-hosted). Then the port, manifest and etcd-data checks (which that
 * running control plane fails by design) are skipped, so `kadm init` can be run again on the host.
 */
async function isOwnControlPlane(ctx: InitContext): Promise<boolean> {
  const pki = onDisk(ctx, ctx.cfg.cluster.certificatesDir);
  return await isKadmGenerated(pki, "ca") &&
    (await exists(onDisk(ctx, `${ctx.paths.manifestsDir}/kube-apiserver.yaml`)) ||
      (await recordedSelfHosted(ctx)).includes("kube-apiserver"));
}

/** The phase, reading the host through `hostFor(ctx)` (tests pass a fake host). */
export function makePreflightPhase(hostFor: (ctx: InitContext) => PreflightHost): Phase {
  return {
    name: "preflight",
    short: "Run pre-flight checks",
    async run(ctx) {
      const host = hostFor(ctx);
      ctx.log.info("[preflight] Running pre-flight checks");
      const ignore = ignoreSet(ctx.dryRun ? ["all"] : ctx.cfg.nodeRegistration.ignorePreflightErrors);
      const sink = { warn: (l: string) => ctx.log.warn(l), info: (l: string) => ctx.log.info(l) };
      const root = await runChecks([privilegedUserCheck()], host, ignore, sink);
      if (root.length > 0) throw new UserError(fatalMessage(root));
      const criSocket = await resolveCRISocket(
        ctx.cfg.nodeRegistration.criSocket,
        ctx.minor,
        (p) => host.isSocket(p),
      );
      const ownControlPlane = await isOwnControlPlane(ctx);
      if (ownControlPlane) {
        ctx.log.info(
          "[preflight] Found the control plane kadm set up on this host: its ports, manifests and etcd data are expected to be in use",
        );
      }
      const { checks, notes } = await initChecks(host, {
        cfg: ctx.cfg,
        version: ctx.version,
        minor: ctx.minor,
        criSocket,
        ownControlPlane,
      });
      // kubeadm printed this on stdout up to v1.30 and as a klog warning (stderr) after.
      for (const n of notes) ctx.minor.minor <= 30 ? ctx.log.info(n.message) : ctx.log.warn(n.message);
      const errors = await runChecks(checks, host, ignore, sink);
      if (errors.length > 0) throw new UserError(fatalMessage(errors));
      if (ctx.dryRun) {
        ctx.log.info("[preflight] Would pull the required images (like 'kubeadm config images pull')");
      } else {
        const images = imagesPresentCheck(criEndpoint(criSocket, ctx.minor), imageList(ctx.cfg, ctx.minor));
        await runChecks([images], host, ignore, sink);
      }
    },
  };
}

export const preflightPhase: Phase = makePreflightPhase((ctx) => realPreflightHost(ctx.paths.hostRoot));
