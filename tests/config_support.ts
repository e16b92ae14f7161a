/** Shared helpers for the config tests: deterministic host facts and testdata access. */
import { UserError } from "../lib/errors.ts";
import type { HostFacts } from "../lib/config/finish.ts";
import { type LoadedInit, loadInitConfig } from "../lib/config/load.ts";
import type { InitFlags } from "../lib/config/flags.ts";

export const REFERENCE_INPUT = "/work/shared/reference/kubeadm-v1.20.2/input-config.yaml";
export const DATA = new URL("./testdata/config/", import.meta.url).pathname;

export const testHost: HostFacts = {
  hostname: () => "Reference-Host",
  advertiseAddress: () => "10.0.0.99",
  randomToken: () => "zzzzzz.zzzzzzzzzzzzzzzz",
};

export function readData(name: string): string {
  return Deno.readTextFileSync(DATA + name);
}

export function load(text: string, flags: InitFlags = {}, host: HostFacts = testHost): LoadedInit {
  return loadInitConfig({ configText: text, configPath: "test.yaml", flags, host });
}

/** The UserError message of a load that must fail. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
  throw new Error("expected a UserError, but loading succeeded");
}
