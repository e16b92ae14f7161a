/**
 * The simulated control-plane node beside the test API server: what the kubelet, the DaemonSet
 * controller and the scheduler do for one node, in a sequential reconcile loop (no overlapping ticks;
 * an error in a tick is recorded in `events`, not thrown).
 *
 * - Static Pods: every non-hidden file in `manifestsDir` that parses as a v1 Pod (as the kubelet reads the
 *   folder) runs and has a mirror Pod `<name>-<node>` (namespace from the manifest, else "default", as the
 *   kubelet defaults it) once the Node exists; a removed or changed file deletes or replaces it.
 * - DaemonSets (every namespace): a Pod on this node iff the Node exists, matches spec.template's
 *   nodeSelector and its NoSchedule/NoExecute taints are tolerated (template tolerations plus the ones the
 *   DaemonSet controller adds); replaced when the template changes (RollingUpdate), deleted with its DS.
 * - Pod status on this node: Pending/ContainerCreating while a Secret/ConfigMap volume source (or key) is
 *   missing; else Running, Ready only when no static Pod of the same component still runs (for a
 *   hostNetwork Pod: the ports conflict, CrashLoopBackOff) and the component is not in `brokenComponents`.
 *   Pods marked for graceful deletion are removed (the containers are stopped).
 * - DaemonSet status counts are kept current.
 *
 *   await using node = startKubeletSim(api, { nodeName: "master-1", manifestsDir });
 *   await node.settled();
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeObject, TestApiServer } from "./apiserver.ts";
import { daemonTolerations, defaultPod, toleratesAll } from "./apiserver_pods.ts";

export interface KubeletSimOptions {
  readonly nodeName: string;
  /** The folder of static Pod manifests (e.g. <root>/etc/kubernetes/manifests). */
  readonly manifestsDir: string;
  readonly intervalMs?: number; // default 50
  /** DaemonSet Pods of these components never become Ready (CrashLoopBackOff), to test timeouts. */
  readonly brokenComponents?: readonly string[];
}

export interface KubeletSim extends AsyncDisposable {
  /** Resolves after one full reconcile pass that started after this call. */
  settled(): Promise<void>;
  /** Human-readable log of what it did, e.g. "mirror pod kube-system/kube-apiserver-master-1 deleted". */
  readonly events: readonly string[];
  stop(): Promise<void>;
}

const MIRROR = "kubernetes.io/config.mirror";
const REVISION = "controller-revision-hash";
const SELF_HOSTED = "self-hosted-";
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"; // k8s.io/apimachinery/pkg/util/rand

/** JSON with sorted keys, so a hash does not depend on the order a client wrote fields in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as KubeObject)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

const hashOf = (v: unknown, n: number) => createHash("sha256").update(canonical(v)).digest("hex").slice(0, n);
const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;
const ref = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const hostIPOf = (n: KubeObject | undefined): string | undefined =>
  (n?.status?.addresses ?? []).find((a: KubeObject) => a.type === "InternalIP")?.address;
const controllerOf = (p: KubeObject) =>
  (p.metadata?.ownerReferences ?? []).find((r: KubeObject) => r.controller === true);

// ---------------------------------------------------------------- what the kubelet reports

type PodState =
  | { readonly kind: "pending"; readonly message: string }
  | { readonly kind: "crashloop"; readonly restarts: number }
  | { readonly kind: "running"; readonly restarts: number };

const TIME_FIELDS = new Set(["lastTransitionTime", "lastProbeTime", "startedAt", "finishedAt", "startTime"]);
/** A status without its timestamps, to write only what changed. */
const statusSignature = (s: unknown) =>
  canonical(JSON.parse(JSON.stringify(s ?? {}, (k, v) => TIME_FIELDS.has(k) ? undefined : v)));
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** The status the kubelet writes for `pod` in `state`, keeping the times of what did not change. */
function podStatus(
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
function volumeProblems(
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

// ---------------------------------------------------------------- the loop

interface StaticPod {
  readonly pod: KubeObject;
  /** The mirror Pod's namespace and name. */
  readonly ns: string;
  readonly name: string;
  /** kubernetes.io/config.hash: the kubelet's id of this version of the file. */
  readonly hash: string;
}

/** The component a Pod runs: its `component` label, else its DaemonSet's name without `self-hosted-`. */
function componentOf(pod: KubeObject, owner?: string): string | undefined {
  const c = pod.metadata?.labels?.component;
  if (typeof c === "string" && c) return c;
  return owner?.startsWith(SELF_HOSTED) ? owner.slice(SELF_HOSTED.length) : owner;
}

export function startKubeletSim(api: TestApiServer, o: KubeletSimOptions): KubeletSim {
  const events: string[] = [];
  const interval = o.intervalMs ?? 50;
  const broken = new Set(o.brokenComponents ?? []);
  const node = o.nodeName;
  /** Messages already logged (bad manifest files, mount failures), so a tick does not repeat them. */
  const reported = new Map<string, string>();
  /** Restarts per Pod uid while it crash-loops. */
  const restarts = new Map<string, number>();
  const log = (e: string) => events.push(e);
  const once = (key: string, msg: string) => {
    if (reported.get(key) !== msg) log(msg);
    reported.set(key, msg);
  };

  async function readStaticPods(): Promise<StaticPod[]> {
    const out: StaticPod[] = [];
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(o.manifestsDir));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return out;
      throw e;
    }
    for (const ent of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (!ent.isFile || ent.name.startsWith(".")) continue;
      const file = join(o.manifestsDir, ent.name);
      let text: string;
      try {
        text = await Deno.readTextFile(file);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) continue; // removed meanwhile
        throw e;
      }
      let pod: KubeObject | undefined;
      try {
        pod = parse(text);
      } catch (e) {
        once(`file:${file}`, `static pod file ${ent.name} skipped: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      if (pod?.apiVersion !== "v1" || pod?.kind !== "Pod" || !pod?.metadata?.name) {
        once(`file:${file}`, `static pod file ${ent.name} skipped: not a v1 Pod`);
        continue;
      }
      const ns = pod.metadata.namespace || "default"; // the kubelet's default, not kube-system
      const name = `${pod.metadata.name}-${node.toLowerCase()}`;
      if (out.some((s) => s.ns === ns && s.name === name)) {
        once(`file:${file}`, `static pod file ${ent.name} skipped: duplicate pod name ${ns}/${name}`);
        continue;
      }
      reported.delete(`file:${file}`);
      out.push({ pod, ns, name, hash: createHash("md5").update(text).digest("hex") });
    }
    return out;
  }

  function mirrorPod(s: StaticPod, nodeObj: KubeObject): KubeObject {
    const p = structuredClone(s.pod);
    const spec = { ...(p.spec ?? {}), nodeName: node };
    spec.tolerations = [...(spec.tolerations ?? []), { operator: "Exists", effect: "NoExecute" }];
    return defaultPod({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: s.name,
        namespace: s.ns,
        labels: p.metadata.labels,
        annotations: {
          ...p.metadata.annotations,
          "kubernetes.io/config.hash": s.hash,
          [MIRROR]: s.hash,
          "kubernetes.io/config.seen": new Date().toISOString(),
          "kubernetes.io/config.source": "file",
        },
        ownerReferences: [{
          apiVersion: "v1",
          kind: "Node",
          name: node,
          uid: nodeObj.metadata.uid,
          controller: true,
        }],
      },
      spec,
    });
  }

  function daemonPod(ds: KubeObject, hash: string): KubeObject {
    const t = structuredClone(ds.spec.template ?? {});
    const suffix = Array.from({ length: 5 }, () => SUFFIX_ALPHABET[Math.floor(Math.random() * 27)]).join("");
    const spec = { ...(t.spec ?? {}), nodeName: node, tolerations: daemonTolerations(t.spec ?? {}) };
    spec.affinity = {
      ...spec.affinity,
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
        },
      },
    };
    return defaultPod({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${ds.metadata.name}-${suffix}`,
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: {
          ...t.metadata?.labels,
          [REVISION]: hash,
          "pod-template-generation": String(ds.metadata.generation ?? 1),
        },
        ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
        ownerReferences: [{
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          name: ds.metadata.name,
          uid: ds.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      spec,
      status: { phase: "Pending", qosClass: "BestEffort" },
    });
  }

  /** Removes a Pod at once; logs why. */
  const removePod = (p: KubeObject, why: string) => {
    if (api.remove(podPath(p.metadata.namespace, p.metadata.name))) log(`pod ${ref(p)} deleted: ${why}`);
  };

  const onNode = () => api.list("/api/v1/pods").filter((p) => p.spec?.nodeName === node);

  function syncMirrorPods(statics: readonly StaticPod[], nodeObj: KubeObject | undefined) {
    const want = new Map(statics.map((s) => [`${s.ns}/${s.name}`, s]));
    for (const p of onNode().filter((p) => p.metadata.annotations?.[MIRROR] !== undefined)) {
      const s = want.get(ref(p));
      // Gone, changed, or deleted through the API: the kubelet deletes it (and re-creates a wanted one).
      if (!s || !nodeObj || p.metadata.deletionTimestamp || p.metadata.annotations[MIRROR] !== s.hash) {
        api.remove(podPath(p.metadata.namespace, p.metadata.name));
        log(`mirror pod ${ref(p)} deleted`);
      }
    }
    if (!nodeObj) return; // the kubelet creates mirror Pods only once its Node is registered
    for (const s of want.values()) {
      if (api.get(podPath(s.ns, s.name))) continue;
      const m = mirrorPod(s, nodeObj);
      m.status = podStatus({ kind: "running", restarts: 0 }, m, undefined, hostIPOf(nodeObj));
      api.seed(m);
      log(`mirror pod ${s.ns}/${s.name} created`);
    }
  }

  /** Whether a DaemonSet's Pod may be placed on (`schedule`) or keep running on (`keep`) the Node. */
  function fit(ds: KubeObject, nodeObj: KubeObject | undefined) {
    const spec = ds.spec?.template?.spec ?? {};
    const labels = nodeObj?.metadata?.labels ?? {};
    const taints: KubeObject[] = nodeObj?.spec?.taints ?? [];
    const selected = !!nodeObj && Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
    const tols = daemonTolerations(spec);
    return {
      schedule: selected && toleratesAll(tols, taints, ["NoSchedule", "NoExecute"]),
      keep: selected && toleratesAll(tols, taints, ["NoExecute"]),
    };
  }

  function syncDaemonSets(nodeObj: KubeObject | undefined) {
    const dss = api.list("/apis/apps/v1/daemonsets");
    const uids = new Set(dss.map((d) => d.metadata.uid));
    for (const p of onNode()) {
      const c = controllerOf(p);
      if (c?.kind === "DaemonSet" && !uids.has(c.uid)) removePod(p, `its DaemonSet ${c.name} is gone`);
    }
    const pods = onNode();
    for (const ds of dss) {
      const { schedule, keep } = fit(ds, nodeObj);
      const hash = hashOf(ds.spec?.template ?? {}, 10);
      const own = pods.filter((p) => controllerOf(p)?.uid === ds.metadata.uid);
      // A Pod already marked for deletion is being stopped: the controller waits for it to go.
      if (own.some((p) => p.metadata.deletionTimestamp)) continue;
      const rolling = ds.spec?.updateStrategy?.type !== "OnDelete";
      const doomed = own.filter((p, i) =>
        !keep ? true : rolling && p.metadata.labels?.[REVISION] !== hash ? true : i > 0
      );
      for (const p of doomed) {
        removePod(
          p,
          !keep
            ? `node ${node} no longer fits DaemonSet ${ref(ds)}`
            : p.metadata.labels?.[REVISION] !== hash
            ? "its DaemonSet template changed"
            : "one daemon pod per node",
        );
      }
      // A replacement comes on the next pass, as the controller waits to see the old Pod gone.
      if (own.length === 0 && schedule) {
        const p = daemonPod(ds, hash);
        api.seed(p);
        log(`pod ${ref(p)} created for DaemonSet ${ref(ds)}`);
      }
    }
  }

  function syncPodStatuses(statics: readonly StaticPod[], nodeObj: KubeObject | undefined) {
    const running = new Set(statics.flatMap((s) => [s.pod.metadata.name, componentOf(s.pod)]));
    const hostIP = hostIPOf(nodeObj);
    for (const p of onNode()) {
      if (p.metadata.annotations?.[MIRROR] !== undefined) continue;
      if (p.metadata.deletionTimestamp) {
        removePod(p, "graceful deletion finished");
        continue;
      }
      const owner = controllerOf(p);
      const component = componentOf(p, owner?.kind === "DaemonSet" ? owner.name : undefined);
      const ns = p.metadata.namespace;
      const missing = volumeProblems(p, (res, name) => api.get(`/api/v1/namespaces/${ns}/${res}/${name}`));
      const uid = p.metadata.uid as string;
      let state: PodState;
      if (missing.length > 0) {
        once(`state:${uid}`, `pod ${ref(p)} pending (ContainerCreating): ${missing[0]}`);
        state = { kind: "pending", message: missing[0]! };
      } else if (
        component !== undefined && ((p.spec?.hostNetwork && running.has(component)) || broken.has(component))
      ) {
        const why = broken.has(component)
          ? `component ${component} is broken`
          : `the static pod of ${component} holds its host ports`;
        once(`state:${uid}`, `pod ${ref(p)} not ready (CrashLoopBackOff): ${why}`);
        const n = (restarts.get(uid) ?? 0) + 1;
        restarts.set(uid, n);
        state = { kind: "crashloop", restarts: n };
      } else {
        once(`state:${uid}`, `pod ${ref(p)} running and ready`);
        state = { kind: "running", restarts: restarts.get(uid) ?? 0 };
      }
      const status = podStatus(state, p, p.status, hostIP);
      if (statusSignature(status) !== statusSignature(p.status)) api.seed({ ...p, status });
    }
  }

  function syncDaemonSetStatus(nodeObj: KubeObject | undefined) {
    const pods = onNode();
    for (const ds of api.list("/apis/apps/v1/daemonsets")) {
      const fits = fit(ds, nodeObj).schedule;
      const mine = pods.filter((p) =>
        controllerOf(p)?.uid === ds.metadata.uid && !p.metadata.deletionTimestamp
      );
      const ready = mine.some((p) =>
        p.status?.conditions?.some((c: KubeObject) => c.type === "Ready" && c.status === "True")
      );
      const desired = fits ? 1 : 0;
      const available = ready ? 1 : 0;
      const hash = hashOf(ds.spec?.template ?? {}, 10);
      const status = {
        currentNumberScheduled: fits && mine.length > 0 ? 1 : 0,
        numberMisscheduled: !fits && mine.length > 0 ? 1 : 0,
        desiredNumberScheduled: desired,
        numberReady: available,
        observedGeneration: ds.metadata.generation ?? 1,
        updatedNumberScheduled: mine.some((p) => p.metadata.labels?.[REVISION] === hash) ? 1 : 0,
        numberAvailable: available,
        ...(desired > available ? { numberUnavailable: desired - available } : {}),
      };
      if (canonical(status) !== canonical(ds.status ?? {})) api.seed({ ...ds, status });
    }
  }

  async function tick() {
    const statics = await readStaticPods();
    // From here on synchronous: no API request interleaves with one pass over the store.
    const nodeObj = api.get(`/api/v1/nodes/${node}`);
    syncMirrorPods(statics, nodeObj);
    syncDaemonSets(nodeObj);
    syncPodStatuses(statics, nodeObj);
    syncDaemonSetStatus(nodeObj);
  }

  let stopped = false;
  let started = 0, completed = 0;
  const waiters: { after: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  let wake = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = (async () => {
    while (!stopped) {
      started++;
      try {
        await tick();
      } catch (e) {
        once("error", `error: ${e instanceof Error ? e.message : String(e)}`);
      }
      completed++;
      for (const w of waiters.filter((w) => completed >= w.after)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (stopped) break;
      await new Promise<void>((r) => {
        wake = r;
        timer = setTimeout(r, interval);
      });
    }
  })();

  const stop = async () => {
    stopped = true;
    clearTimeout(timer);
    wake();
    await loop;
    for (const w of waiters.splice(0)) {
      w.reject(new Error("Kubelet simulator stopped before the pass finished"));
    }
  };
  return {
    events,
    settled: () =>
      stopped
        ? Promise.reject(new Error("Kubelet simulator is stopped"))
        : new Promise<void>((resolve, reject) => {
          waiters.push({ after: started + 1, resolve, reject });
        }),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
