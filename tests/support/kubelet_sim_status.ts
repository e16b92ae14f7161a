/**
 * What the simulated kubelet reports for a Pod: its status in each state (Pending while a volume cannot be
 * mounted, crash-looping, running), and which Secret/ConfigMap volume sources keep it from starting.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "./apiserver.ts";

/** JSON with sorted keys, so a hash does not depend on the order a client wrote fields in. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as KubeObject)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export const hashOf = (v: unknown, n: number) =>
  createHash("sha256").update(canonical(v)).digest("hex").slice(0, n);

export type PodState =
  | { readonly kind: "pending"; readonly message: string }
  | { readonly kind: "crashloop"; readonly restarts: number }
  | { readonly kind: "running"; readonly restarts: number };

const TIME_FIELDS = new Set(["lastTransitionTime", "lastProbeTime", "startedAt", "finishedAt", "startTime"]);
/** A status without its timestamps, to write only what changed. */
export const statusSignature = (s: unknown) =>
  canonical(JSON.parse(JSON.stringify(s ?? {}, (k, v) => TIME_FIELDS.has(k) ? undefined : v)));
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** The status the kubelet writes for `pod` in `state`, keeping the times of what did not change. */
export function podStatus(
  state: PodState,
  pod: KubeObject,
  prev: KubeObject | undefined,
  hostIP?: string,
): KubeObject {
  const now = stamp();
  const containers: KubeObject[] = pod.spec?.containers ?? [];
  const ready = state.kind === "running";
  const unready = containers.map((c) => c.name).join(" ");
  const cond = (type: string, ok: boolean) => {
    const status = ok ? "True" : "False";
    const since = prev?.conditions?.find((c: KubeObject) => c.type === type && c.status === status);
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: since?.lastTransitionTime ?? now,
      ...(ok
        ? {}
        : { reason: "ContainersNotReady", message: `containers with unready status: [${unready}]` }),
    };
  };
  const containerStatuses = containers.map((c) => {
    const before = prev?.containerStatuses?.find((s: KubeObject) => s.name === c.name);
    const id = `containerd://${hashOf([pod.metadata.uid, c.name], 64)}`;
    const base = { name: c.name, image: c.image, imageID: "" };
    if (state.kind === "pending") {
      return {
        ...base,
        state: { waiting: { reason: "ContainerCreating" } },
        ready: false,
        restartCount: 0,
        started: false,
      };
    }
    if (state.kind === "crashloop") {
      const message =
        `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      return {
        ...base,
        containerID: id,
        state: { waiting: { reason: "CrashLoopBackOff", message } },
        lastState: {
          terminated: { exitCode: 1, reason: "Error", startedAt: now, finishedAt: now, containerID: id },
        },
        ready: false,
        restartCount: state.restarts,
        started: false,
      };
    }
    const startedAt = before?.state?.running?.startedAt ?? now;
    return {
      ...base,
      containerID: id,
      state: { running: { startedAt } },
      ready: true,
      restartCount: state.restarts,
      started: true,
    };
  });
  return {
    phase: state.kind === "pending" ? "Pending" : "Running",
    conditions: [
      cond("PodReadyToStartContainers", state.kind !== "pending"),
      cond("Initialized", true),
      cond("Ready", ready),
      cond("ContainersReady", ready),
      cond("PodScheduled", true),
    ],
    ...(hostIP ? { hostIP, ...(pod.spec?.hostNetwork ? { podIP: hostIP } : {}) } : {}),
    startTime: prev?.startTime ?? now,
    containerStatuses,
    qosClass: containers.some((c) => c.resources?.requests || c.resources?.limits)
      ? "Burstable"
      : "BestEffort",
  };
}

/**
 * Why the kubelet cannot mount `pod`'s volumes yet: Secret/ConfigMap sources (plain or projected) that are
 * missing in its namespace, or lack a key named in `items`, unless `optional: true` (kubelet's wording).
 */
export function volumeProblems(
  pod: KubeObject,
  get: (resource: string, name: string) => KubeObject | undefined,
): string[] {
  const out: string[] = [];
  const check = (
    volume: string,
    kind: "secret" | "configmap",
    src: KubeObject | undefined,
    name: unknown,
  ) => {
    if (!src || src.optional === true) return;
    const fail = (why: string) => out.push(`MountVolume.SetUp failed for volume "${volume}" : ${why}`);
    const obj = get(kind === "secret" ? "secrets" : "configmaps", String(name ?? ""));
    if (!obj) return fail(`${kind} "${name}" not found`);
    const keys = new Set([...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {})]);
    for (const it of Array.isArray(src.items) ? src.items : []) {
      if (keys.has(it?.key)) continue;
      return fail(
        kind === "secret"
          ? `references non-existent secret key: ${it?.key}`
          : `configmap references non-existent config key: ${it?.key}`,
      );
    }
  };
  for (const v of Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : []) {
    check(v.name, "secret", v.secret, v.secret?.secretName);
    check(v.name, "configmap", v.configMap, v.configMap?.name);
    for (const s of Array.isArray(v.projected?.sources) ? v.projected.sources : []) {
      check(v.name, "secret", s?.secret, s?.secret?.name);
      check(v.name, "configmap", s?.configMap, s?.configMap?.name);
    }
  }
  return out;
}
