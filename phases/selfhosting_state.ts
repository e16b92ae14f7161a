/**
 * What the other phases need to know about self-hosting: whether a component was handed over to its
 * DaemonSet (kadm's record lists it and its static manifest is gone), so a re-run neither writes that
 * manifest back (two API servers would fight over the port) nor fails preflight on its ports.
 */
import { UserError } from "../lib/errors.ts";
import { exists } from "../lib/host.ts";
import { daemonSetName } from "../lib/selfhosting.ts";
import { readState } from "../lib/state.ts";
import { healthClient } from "./api.ts";
import { manifestPath } from "./manifest-files.ts";
import { type InitContext, onDisk } from "./types.ts";

/** The components kadm's record lists as self-hosted. */
export async function recordedSelfHosted(ctx: InitContext): Promise<readonly string[]> {
  return (await readState(onDisk(ctx, ctx.cfg.cluster.certificatesDir))).selfHosted;
}

/** Whether `component` runs as its DaemonSet: recorded as handed over and its static manifest is gone. */
export async function handedOver(ctx: InitContext, component: string): Promise<boolean> {
  return (await recordedSelfHosted(ctx)).includes(component) &&
    !(await exists(onDisk(ctx, manifestPath(ctx, component))));
}

const RECOVER_HINT = "after a reboot a self-hosted control plane does not come back by itself: run " +
  "'kadm init phase selfhosting recover' with the same configuration (it starts the static Pods again, " +
  "then hands over to the DaemonSets)";

/**
 * On a re-run over a self-hosted API server: it must be answering, since nothing else will start it.
 * Fails at once with the recovery command instead of waiting out wait-control-plane.
 */
export async function requireSelfHostedAPI(ctx: InitContext): Promise<void> {
  if (ctx.dryRun) return;
  const client = await healthClient(ctx);
  try {
    await client.waitHealthy("/healthz", 15_000, 500);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(
      `kube-apiserver is self-hosted (DaemonSet kube-system/${
        daemonSetName("kube-apiserver")
      }) and does not answer (${e.message}); ${RECOVER_HINT}`,
    );
  }
}
