/**
 * Pods in the test API server, as pkg/registry/core/pod does them: the defaults a new Pod gets
 * (SetDefaults_PodSpec and the DefaultTolerationSeconds admission plugin, a part of them), the status a
 * created Pod starts with (Pending, whatever the client sent), and graceful deletion (a scheduled Pod is
 * only marked with deletionTimestamp; its kubelet removes it; an unscheduled or finished Pod, or
 * gracePeriodSeconds=0, is deleted at once, and the answer is the Pod, not a Status). Also the toleration
 * rules the simulated node's scheduler uses (ToleratesTaint, the DaemonSet controller's added tolerations).
 */
import type { KubeObject } from "./apiserver_types.ts";

const NOT_READY_TOLERATIONS: readonly KubeObject[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

const tolerates = (ts: readonly KubeObject[], key: string) =>
  ts.some((t) => t?.key === key && (!t.effect || t.effect === "NoExecute"));

const PRIORITY: Readonly<Record<string, number>> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};

/** Fills the defaulted PodSpec fields kadm could observe; mutates and returns `pod`. */
export function defaultPod(pod: KubeObject): KubeObject {
  pod.spec ??= {};
  const s = pod.spec;
  s.restartPolicy ??= "Always";
  s.dnsPolicy ??= "ClusterFirst";
  s.schedulerName ??= "default-scheduler";
  s.terminationGracePeriodSeconds ??= 30;
  s.securityContext ??= {};
  s.enableServiceLinks ??= true;
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) {
    if (!c || typeof c !== "object") continue;
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    const tag = /:([^/:@]+)$/.exec(String(c.image ?? ""))?.[1];
    c.imagePullPolicy ??= tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
  }
  const ts: KubeObject[] = Array.isArray(s.tolerations) ? s.tolerations : [];
  for (const t of NOT_READY_TOLERATIONS) if (!tolerates(ts, t.key)) ts.push(structuredClone(t));
  s.tolerations = ts;
  s.priority ??= PRIORITY[s.priorityClassName] ?? 0;
  return pod;
}

/** The status every Pod is created with (PodStrategy.PrepareForCreate). */
export function initialPodStatus(): KubeObject {
  return { phase: "Pending", qosClass: "BestEffort" };
}

/**
 * The grace period a DELETE gets (PodStrategy.CheckGracefulDelete): 0 = delete now. `requested` comes
 * from ?gracePeriodSeconds= or the DeleteOptions body.
 */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") return 0;
  const g = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return g < 0 ? 1 : g;
}

/** The spec fields a Pod update may change (ValidatePodUpdate), blanked for comparison. */
function mutableBlanked(spec: KubeObject | undefined): string {
  const s = structuredClone(spec ?? {});
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) if (c) delete c.image;
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  delete s.terminationGracePeriodSeconds;
  return JSON.stringify(s);
}

export const POD_UPDATE_FORBIDDEN =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
  "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** Whether `obj` changes a Pod spec field other than the few an update may change. */
export function podSpecChangeForbidden(obj: KubeObject, old: KubeObject): boolean {
  return mutableBlanked(obj.spec) !== mutableBlanked(old.spec);
}

// ---------------------------------------------------------------- tolerations, as the scheduler matches them

/** Toleration.ToleratesTaint (k8s.io/api/core/v1). */
export function toleratesTaint(t: KubeObject, taint: KubeObject): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  if (!t.operator || t.operator === "Equal") return (t.value ?? "") === (taint.value ?? "");
  return false;
}

/** Whether every taint of the given effects is tolerated by one of `tolerations`. */
export function toleratesAll(
  tolerations: readonly KubeObject[],
  taints: readonly KubeObject[],
  effects: readonly string[],
): boolean {
  return taints.filter((x) => effects.includes(x.effect)).every((x) =>
    tolerations.some((t) => toleratesTaint(t, x))
  );
}

/** The tolerations the DaemonSet controller adds to every daemon Pod (util.AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: KubeObject): KubeObject[] {
  const t = (key: string, effect: string) => ({
    key: `node.kubernetes.io/${key}`,
    operator: "Exists",
    effect,
  });
  const add = [
    t("not-ready", "NoExecute"),
    t("unreachable", "NoExecute"),
    t("disk-pressure", "NoSchedule"),
    t("memory-pressure", "NoSchedule"),
    t("pid-pressure", "NoSchedule"),
    t("unschedulable", "NoSchedule"),
    ...(spec.hostNetwork ? [t("network-unavailable", "NoSchedule")] : []),
  ];
  const own: KubeObject[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  return [...own, ...add.filter((a) => !own.some((o) => o.key === a.key && o.effect === a.effect))];
}
