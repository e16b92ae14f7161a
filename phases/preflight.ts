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
 * TODO(re-runs): preflight on a re-run must recognise kadm's own control plane (ports held by its
 * static Pods, its own manifests and etcd data) and not fail on it; that needs kadm's record of what it
 * generated and arrives with the re-run work. Until then a re-run needs --ignore-preflight-errors.
 * TODO(images): outside dry-run kubeadm pulls the control-plane images here (ImagePull check,
 * imagePullPolicy / imagePullSerial); kadm does not pull yet and says nothing about it.
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
import type { InitContext, Phase } from "./types.ts";

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
      const { checks, notes } = await initChecks(host, {
        cfg: ctx.cfg,
        version: ctx.version,
        minor: ctx.minor,
        criSocket,
      });
      // kubeadm printed this on stdout up to v1.30 and as a klog warning (stderr) after.
      for (const n of notes) ctx.minor.minor <= 30 ? ctx.log.info(n.message) : ctx.log.warn(n.message);
      const errors = await runChecks(checks, host, ignore, sink);
      if (errors.length > 0) throw new UserError(fatalMessage(errors));
      if (ctx.dryRun) {
        ctx.log.info("[preflight] Would pull the required images (like 'kubeadm config images pull')");
      }
    },
  };
}

export const preflightPhase: Phase = makePreflightPhase((ctx) => realPreflightHost(ctx.paths.hostRoot));
