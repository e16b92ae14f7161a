/**
 * Building blocks of kubeadm's static Pods (cmd/kubeadm/app/util/staticpod): the Pod shell, probes,
 * hostPath volumes and the argument merge. Pure data in, plain objects out.
 */
import type { Arg, EnvVar, HostPathMount } from "../model.ts";
import type { MinorInfo } from "../versions.ts";

export type Obj = Record<string, unknown>;

export interface Volume {
  readonly name: string;
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  readonly pathType: string;
}

/** kubeadm's ArgumentsToCommand: user args replace every default of the same name; sorted by name. */
export function argumentsToCommand(defaults: readonly Arg[], overrides: readonly Arg[]): string[] {
  const overridden = new Set(overrides.map((a) => a.name));
  const all = [...defaults.filter((a) => !overridden.has(a.name)), ...overrides];
  // Stable sort: duplicates of one name keep the user's order.
  return all
    .map((a, i) => ({ a, i }))
    .sort((x, y) => (x.a.name < y.a.name ? -1 : x.a.name > y.a.name ? 1 : x.i - y.i))
    .map(({ a }) => `--${a.name}=${a.value}`);
}

export function lastArg(args: readonly Arg[], name: string): string | undefined {
  let v: string | undefined;
  for (const a of args) if (a.name === name) v = a.value;
  return v;
}

/** Sets (replaces) a default argument. */
export function setArg(args: Arg[], name: string, value: string): void {
  const i = args.findIndex((a) => a.name === name);
  if (i >= 0) args[i] = { name, value };
  else args.push({ name, value });
}

export interface ProbeTimings {
  /** Seconds, from timeouts.controlPlaneComponentHealthCheck: startup failureThreshold = ceil(t / 10). */
  readonly controlPlaneComponentHealthCheck: number;
}

function httpGet(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): Obj {
  return { ...(host === "" ? {} : { host }), path, port, scheme };
}

export function livenessProbe(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): Obj {
  return {
    failureThreshold: 8,
    httpGet: httpGet(host, path, port, scheme),
    initialDelaySeconds: 10,
    periodSeconds: 10,
    timeoutSeconds: 15,
  };
}

export function readinessProbe(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): Obj {
  return {
    failureThreshold: 3,
    httpGet: httpGet(host, path, port, scheme),
    periodSeconds: 1,
    timeoutSeconds: 15,
  };
}

export function startupProbe(
  host: string,
  path: string,
  port: number,
  scheme: "HTTP" | "HTTPS",
  t: ProbeTimings,
): Obj {
  return {
    failureThreshold: Math.ceil(t.controlPlaneComponentHealthCheck / 10),
    httpGet: httpGet(host, path, port, scheme),
    initialDelaySeconds: 10,
    periodSeconds: 10,
    timeoutSeconds: 15,
  };
}

/** Adds or replaces volumes by name (kubeadm keeps them in a map keyed by name). */
export function mergeVolumes(base: readonly Volume[], extra: readonly HostPathMount[]): Volume[] {
  const byName = new Map<string, Volume>();
  for (const v of base) byName.set(v.name, v);
  for (const e of extra) {
    byName.set(e.name, {
      name: e.name,
      hostPath: e.hostPath,
      mountPath: e.mountPath,
      readOnly: e.readOnly,
      pathType: e.pathType,
    });
  }
  return [...byName.values()];
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function volumeObjects(vols: readonly Volume[]): Obj[] {
  return [...vols].sort(byName).map((v) => ({
    hostPath: { path: v.hostPath, ...(v.pathType ? { type: v.pathType } : {}) },
    name: v.name,
  }));
}

export function mountObjects(vols: readonly Volume[], sort = true): Obj[] {
  const list = sort ? [...vols].sort(byName) : [...vols];
  return list.map((v) => ({
    mountPath: v.mountPath,
    name: v.name,
    ...(v.readOnly ? { readOnly: true } : {}),
  }));
}

/** kubeadm's MergeKubeadmEnvVars: proxy variables from kadm's environment, then extraEnvs replacing by name. */
export function mergeEnv(proxyEnv: readonly EnvVar[], extra: readonly EnvVar[]): EnvVar[] {
  const out = new Map<string, EnvVar>();
  for (const e of proxyEnv) out.set(e.name, e);
  for (const e of extra) out.set(e.name, e);
  return [...out.values()];
}

/** The `*_proxy` variables (any case) of an environment, sorted, as kubeadm's GetProxyEnvVars. */
export function proxyEnvFrom(env: Readonly<Record<string, string>>): EnvVar[] {
  return Object.keys(env)
    .filter((k) => k.toLowerCase().endsWith("_proxy"))
    .sort()
    .map((name) => ({ name, value: env[name]! }));
}

export interface ComponentPodInput {
  readonly name: string;
  readonly container: Obj;
  readonly volumes: readonly Volume[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** kubeadm's staticpodutil.ComponentPod. */
export function componentPod(info: MinorInfo, p: ComponentPodInput): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(p.annotations ? { annotations: p.annotations } : {}),
      creationTimestamp: null,
      labels: { component: p.name, tier: "control-plane" },
      name: p.name,
      namespace: "kube-system",
    },
    spec: {
      containers: [p.container],
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      ...(info.seccompRuntimeDefault
        ? { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }
        : {}),
      volumes: volumeObjects(p.volumes),
    },
    status: {},
  };
}

/** Joins host and port the way Go's net.JoinHostPort does (brackets for IPv6). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isIPv6(ip: string): boolean {
  return ip.includes(":");
}
