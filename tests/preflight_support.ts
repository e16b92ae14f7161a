/**
 * Runs the preflight phase against a fake host and records what it printed, warned and failed with:
 * the harness shared by the preflight_*_test.ts files.
 */
import type { InitConfig } from "../lib/model.ts";
import { UserError } from "../lib/errors.ts";
import { makePreflightPhase } from "../phases/preflight.ts";
import { type FakeHostOptions, fakePreflightHost } from "../lib/preflight/fake.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

export interface Outcome {
  /** stdout and stderr in order, stderr lines prefixed with "E " and stdout lines with "O ". */
  readonly out: string[];
  readonly warnings: string[];
  readonly error?: UserError;
  readonly calls: string[];
}

export interface RunOptions {
  readonly host?: FakeHostOptions;
  readonly dryRun?: boolean;
  readonly ignore?: readonly string[];
  readonly cfg?: (c: InitConfig) => InitConfig;
}

export function withNodeReg(c: InitConfig, over: Partial<InitConfig["nodeRegistration"]>): InitConfig {
  return { ...c, nodeRegistration: { ...c.nodeRegistration, ...over } };
}

export async function preflight(version: string, o: RunOptions = {}): Promise<Outcome> {
  let cfg = withNodeReg(referenceConfig(version), { ignorePreflightErrors: o.ignore ?? [] });
  if (o.cfg) cfg = o.cfg(cfg);
  const host = fakePreflightHost({
    ...o.host,
    commands: { "kubelet --version": { stdout: `Kubernetes ${version}\n` }, ...o.host?.commands },
  });
  const out: string[] = [];
  const warnings: string[] = [];
  const ctx = {
    ...testContext({ cfg, root: "/nonexistent", keys: testKeySource(), dryRun: o.dryRun ?? false }),
    log: {
      info: (l: string) => out.push(`O ${l}`),
      warn: (l: string) => {
        out.push(`E ${l}`);
        warnings.push(l);
      },
    },
  };
  try {
    await makePreflightPhase(() => host).run!(ctx);
    return { out, warnings, calls: host.calls };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { out, warnings, error: e, calls: host.calls };
  }
}

/** The `\t[ERROR Name]: msg` lines of a failure. */
export function errorLines(r: Outcome): string[] {
  return r.error ? r.error.message.split("\n").filter((l) => l.startsWith("\t[ERROR")) : [];
}
