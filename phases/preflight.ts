/**
 * Phase `preflight`: the checks that must pass before anything is written.
 * This slice runs kubeadm's first check, IsPrivilegedUser (root); the full list of kubeadm's
 * init checks arrives with the host-safety work. In dry-run every error is only a warning.
 */
import { UserError } from "../lib/errors.ts";
import type { Phase } from "./types.ts";

export const preflightPhase: Phase = {
  name: "preflight",
  short: "Run pre-flight checks",
  run(ctx) {
    ctx.log.info("[preflight] Running pre-flight checks");
    const ignored = new Set(ctx.cfg.nodeRegistration.ignorePreflightErrors.map((s) => s.toLowerCase()));
    const uid = Deno.uid();
    if (uid !== null && uid !== 0) {
      const msg = "user is not running as root";
      if (ctx.dryRun || ignored.has("all") || ignored.has("isprivilegeduser")) {
        ctx.log.warn(`\t[WARNING IsPrivilegedUser]: ${msg}`);
      } else {
        throw new UserError(
          `[preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: ${msg}\n` +
            `[preflight] If you know what you are doing, you can make a check non-fatal with ` +
            `\`--ignore-preflight-errors=...\``,
        );
      }
    }
    if (ctx.dryRun) {
      ctx.log.info("[preflight] Would pull the required images (like 'kubeadm config images pull')");
    }
    return Promise.resolve();
  },
};
