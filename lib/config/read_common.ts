/**
 * Helpers shared by the dialect readers: origins (which user field set a model field), durations,
 * enums, extra args/volumes/envs and feature gates, each reporting problems with their line.
 */
import type { Arg, EncryptionAlgorithm, EnvVar, HostPathMount, Taint } from "../model.ts";
import { parseGoDuration } from "./durations.ts";
import type { EnvDoc, MountDoc, TaintDoc } from "./dialects.ts";
import type { Draft } from "./draft.ts";
import { at, type Origins } from "./problems.ts";
import type { Cx } from "./schema.ts";

export interface ReadCx extends Cx {
  readonly origins: Origins;
  readonly warnings: string[];
}

/** `user` path with its line, for messages. */
export function where(rc: ReadCx, user: string): string {
  return at(user, rc.lineOf(user));
}

/** Records that model field `model` was set by the user's `user` field. */
export function note(rc: ReadCx, model: string, user: string): void {
  rc.origins.set(model, where(rc, user));
}

export function seconds(rc: ReadCx, text: string, user: string): number | undefined {
  const s = parseGoDuration(text);
  if (s === undefined) {
    rc.problems.add(
      `Invalid value for ${
        where(rc, user)
      }: "${text}" is not a duration; use Go syntax such as 24h0m0s, 1h30m or 0`,
    );
  }
  return s;
}

export const ENCRYPTION_ALGORITHMS: readonly EncryptionAlgorithm[] = [
  "RSA-2048",
  "RSA-3072",
  "RSA-4096",
  "ECDSA-P256",
  "ECDSA-P384",
];
const EFFECTS: readonly Taint["effect"][] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;

export function oneOf<T extends string>(
  rc: ReadCx,
  value: string,
  allowed: readonly T[],
  user: string,
): T | undefined {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  rc.problems.add(`Invalid value for ${where(rc, user)}: "${value}" is not one of ${allowed.join(", ")}`);
  return undefined;
}

export function pullPolicy(
  rc: ReadCx,
  v: string,
  user: string,
): "Always" | "IfNotPresent" | "Never" | undefined {
  return oneOf(rc, v, PULL_POLICIES, user);
}

export function taints(rc: ReadCx, list: readonly TaintDoc[], user: string): Taint[] {
  const out: Taint[] = [];
  list.forEach((t, i) => {
    const p = `${user}[${i}]`;
    const effect = oneOf(rc, t.effect ?? "", EFFECTS, `${p}.effect`);
    if (!t.key) rc.problems.add(`Invalid value for ${where(rc, `${p}.key`)}: a taint needs a key`);
    if (effect && t.key) out.push(t.value ? { key: t.key, value: t.value, effect } : { key: t.key, effect });
  });
  return out;
}

/** A v1beta2/v1beta3/v1alpha1 `map[string]string` of flags, in Go's sorted key order. */
export function argsFromMap(m: Readonly<Record<string, string>>): Arg[] {
  return Object.keys(m).sort().map((name) => ({ name, value: m[name]! }));
}

export function argsFromList(
  rc: ReadCx,
  list: readonly { name?: string; value?: string }[],
  user: string,
): Arg[] {
  const out: Arg[] = [];
  list.forEach((a, i) => {
    if (!a.name) {
      rc.problems.add(`Invalid value for ${where(rc, `${user}[${i}].name`)}: an argument needs a name`);
    } else out.push({ name: a.name, value: a.value ?? "" });
  });
  return out;
}

export function envs(rc: ReadCx, list: readonly EnvDoc[], user: string): EnvVar[] {
  const out: EnvVar[] = [];
  list.forEach((e, i) => {
    const p = `${user}[${i}]`;
    if (e.valueFrom !== undefined) {
      rc.problems.add(
        `Unsupported field ${where(rc, `${p}.valueFrom`)}: kadm takes only literal values; use value`,
      );
    }
    if (!e.name) {
      rc.problems.add(`Invalid value for ${where(rc, `${p}.name`)}: an environment variable needs a name`);
    } else out.push({ name: e.name, value: e.value ?? "" });
  });
  return out;
}

export function mounts(
  rc: ReadCx,
  list: readonly (MountDoc & { writable?: boolean })[],
  user: string,
  v1alpha1 = false,
): HostPathMount[] {
  const out: HostPathMount[] = [];
  list.forEach((m, i) => {
    const p = `${user}[${i}]`;
    let ok = true;
    for (const f of ["name", "hostPath", "mountPath"] as const) {
      if (!m[f]) {
        rc.problems.add(`Invalid value for ${where(rc, `${p}.${f}`)}: an extra volume needs ${f}`);
        ok = false;
      }
    }
    if (!ok) return;
    out.push({
      name: m.name!,
      hostPath: m.hostPath!,
      mountPath: m.mountPath!,
      readOnly: v1alpha1 ? !(m.writable ?? false) : m.readOnly ?? false,
      pathType: m.pathType ?? "",
    });
  });
  return out;
}

/**
 * kubeadm v1.9/v1.10 gates kadm does not build, with what replaced them (the CoreDNS gate is read into
 * dns.type; SelfHosting and StoreCertsInSecrets are kadm's own gates, lib/selfhosting.ts).
 */
const OLD_GATES: Readonly<Record<string, string>> = {
  HighAvailability: "use controlPlaneEndpoint and 'kubeadm join --control-plane'",
  SupportIPVSProxyMode: "set mode: ipvs in a KubeProxyConfiguration document",
  Auditing: "pass --audit-policy-file in apiServer.extraArgs with the file in apiServer.extraVolumes",
};

export function notYet(rc: ReadCx, what: string, instead = "remove it"): void {
  rc.problems.add(`${what} is not supported by kadm (an old kubeadm v1.9/v1.10 feature); ${instead}`);
}

/** Feature gates into the draft; the per-minor known-gate check happens once the version is known. */
export function featureGates(
  rc: ReadCx,
  d: Draft,
  gates: Readonly<Record<string, boolean>>,
  user: string,
): void {
  for (const [name, on] of Object.entries(gates)) {
    const p = `${user}.${name}`;
    if (name === "CoreDNS") {
      // kubeadm v1.9/v1.10: CoreDNS=false keeps kube-dns (finish refuses it from v1.21).
      if (!on) {
        d.cluster.dns.type = "kube-dns";
        note(rc, "dns.type", p);
      }
      continue;
    }
    if (Object.hasOwn(OLD_GATES, name)) {
      notYet(rc, `Feature gate ${name}=${on} in ${where(rc, p)}`, `remove it and ${OLD_GATES[name]}`);
      continue;
    }
    d.cluster.featureGates[name] = on;
    note(rc, `featureGates.${name}`, p);
  }
}
