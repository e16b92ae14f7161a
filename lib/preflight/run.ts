/**
 * kubeadm's RunChecks: run each check in order; a check named in --ignore-preflight-errors (any case)
 * or `all` has its errors reported as warnings. Warnings are reported as they come
 * (`\t[WARNING Name]: msg`); errors are collected into one message that the caller throws.
 */
import type { PreflightHost } from "./host.ts";
import type { Check } from "./types.ts";

export interface CheckSink {
  /** A `\t[WARNING Name]: msg` line (stderr). */
  warn(line: string): void;
  /** A line a check prints on stdout (e.g. the system verification report). */
  info(line: string): void;
}

/** The ignore set as kubeadm keeps it: lower-cased names, `all` for everything. */
export function ignoreSet(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ""));
}

export function isIgnored(ignore: ReadonlySet<string>, name: string): boolean {
  return ignore.has("all") || ignore.has(name.toLowerCase());
}

/** Runs the checks; returns the `\t[ERROR Name]: msg` lines (empty when nothing is fatal). */
export async function runChecks(
  checks: readonly Check[],
  host: PreflightHost,
  ignore: ReadonlySet<string>,
  sink: CheckSink,
): Promise<string[]> {
  const errors: string[] = [];
  for (const c of checks) {
    const found = await c.run(host);
    const warnings: string[] = [];
    const errs: string[] = [];
    for (const f of found) {
      const sev = f.severity ?? c.severity;
      if (sev === "info") sink.info(f.message);
      else if (sev === "warning") warnings.push(f.message);
      else errs.push(f.message);
    }
    if (isIgnored(ignore, c.name)) warnings.push(...errs.splice(0));
    for (const w of warnings) sink.warn(`\t[WARNING ${c.name}]: ${w}`);
    for (const e of errs) errors.push(`\t[ERROR ${c.name}]: ${e}`);
  }
  return errors;
}

/** kubeadm's fatal-errors block (the hint keeps kubeadm's backquotes). */
export function fatalMessage(errorLines: readonly string[]): string {
  return "[preflight] Some fatal errors occurred:\n" + errorLines.join("\n") + "\n" +
    "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`";
}
