/**
 * Shapes shared by the preflight checks: a check is a name, the severity its findings have for the
 * chosen minor, and a `run` that reads the host only through PreflightHost.
 */
import type { InitConfig, Version } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import type { PreflightHost } from "./host.ts";

export type Severity = "error" | "warning";

/** `[firstMinor, value]` pairs, ascending: the value from that minor on. */
export type ByMinor<T> = readonly (readonly [number, T])[];

export function atMinor<T>(list: ByMinor<T>, minor: number): T {
  let out: T | undefined;
  for (const [from, v] of list) if (minor >= from) out = v;
  if (out === undefined) throw new Error(`internal: no per-minor value for v1.${minor}`);
  return out;
}

/** What a check found. Without a severity it takes the check's own; "info" lines go to stdout. */
export interface Finding {
  readonly message: string;
  readonly severity?: Severity | "info";
}

/** Everything a check may consult besides the host. */
export interface CheckInput {
  readonly cfg: InitConfig;
  readonly version: Version;
  readonly minor: MinorInfo;
  /** The CRI socket in use (configured or detected). */
  readonly criSocket: string;
  /**
   * kadm already set up a control plane here (its record says it made the CA and its manifests are on
   * disk): a re-run expects that control plane's ports, manifests and etcd data to be in use.
   */
  readonly ownControlPlane?: boolean;
}

export interface Check {
  /** kubeadm's name: what --ignore-preflight-errors matches (case-insensitively). */
  readonly name: string;
  /** How a finding without its own severity is reported for this minor. */
  readonly severity: Severity;
  run(host: PreflightHost): Promise<readonly Finding[]>;
}

export const ok: readonly Finding[] = [];

export function finding(message: string, severity?: Severity | "info"): Finding {
  return severity === undefined ? { message } : { message, severity };
}
