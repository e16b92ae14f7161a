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
 * The Pods it makes are built in kubelet_sim_pods.ts, the statuses it writes in kubelet_sim_status.ts.
 *
 *   await using node = startKubeletSim(api, { nodeName: "master-1", manifestsDir });
 *   await node.settled();
 */
import type { KubeObject, TestApiServer } from "./apiserver.ts";
import {
  canonical,
  hashOf,
  type PodState,
  podStatus,
  statusSignature,
  volumeProblems,
} from "./kubelet_sim_status.ts";
import {
  componentOf,
  controllerOf,
  daemonPod,
  fit,
  hostIPOf,
  MIRROR,
  mirrorPod,
  podPath,
  readStaticPods,
  ref,
  REVISION,
  type StaticPod,
} from "./kubelet_sim_pods.ts";

export interface KubeletSimOptions {
  readonly nodeName: string;
  /** The folder of static Pod manifests (e.g. <root>/etc/kubernetes/manifests). */
  readonly manifestsDir: string;
  readonly intervalMs?: number; // default 50
  /** DaemonSet Pods of these components never become Ready (CrashLoopBackOff), to test timeouts. */
  readonly brokenComponents?: readonly string[];
  /**
   * The kubelet's restart back-off of a crash-looping container (10 s doubling to 5 min), scaled for tests:
   * a Pod freed from its conflict starts only when its current back-off has run out. Default: none (a freed
   * Pod is Ready at the next tick).
   */
  readonly crashLoopBackOff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface KubeletSim extends AsyncDisposable {
  /** Resolves after one full reconcile pass that started after this call. */
  settled(): Promise<void>;
  /** Human-readable log of what it did, e.g. "mirror pod kube-system/kube-apiserver-master-1 deleted". */
  readonly events: readonly string[];
  stop(): Promise<void>;
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
  /** When each crash-looping container may start again (Date.now() ms), with crashLoopBackOff. */
  const nextStart = new Map<string, number>();
  /** Whether the container of `uid` is held in back-off now; on a due restart counts it and backs off again. */
  const backingOff = (uid: string, crashes: boolean): boolean => {
    const b = o.crashLoopBackOff;
    const now = Date.now();
    if (!b) {
      if (crashes) restarts.set(uid, (restarts.get(uid) ?? 0) + 1);
      return crashes;
    }
    if (now < (nextStart.get(uid) ?? 0)) return true;
    if (!crashes) return false;
    const n = (restarts.get(uid) ?? 0) + 1;
    restarts.set(uid, n);
    nextStart.set(uid, now + Math.min(b.initialMs * 2 ** (n - 1), b.maxMs));
    return true;
  };
  const log = (e: string) => events.push(e);
  const once = (key: string, msg: string) => {
    if (reported.get(key) !== msg) log(msg);
    reported.set(key, msg);
  };
  const report = { once, forget: (key: string) => void reported.delete(key) };

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
      const m = mirrorPod(s, nodeObj, node);
      m.status = podStatus({ kind: "running", restarts: 0 }, m, undefined, hostIPOf(nodeObj));
      api.seed(m);
      log(`mirror pod ${s.ns}/${s.name} created`);
    }
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
        const p = daemonPod(ds, hash, node);
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
        backingOff(
          uid,
          component !== undefined &&
            ((p.spec?.hostNetwork && running.has(component)) || broken.has(component)),
        )
      ) {
        const why = component !== undefined && broken.has(component)
          ? `component ${component} is broken`
          : component !== undefined && p.spec?.hostNetwork && running.has(component)
          ? `the static pod of ${component} holds its host ports`
          : "its restart back-off has not run out";
        once(`state:${uid}`, `pod ${ref(p)} not ready (CrashLoopBackOff): ${why}`);
        state = { kind: "crashloop", restarts: restarts.get(uid) ?? 0 };
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
    const statics = await readStaticPods(o.manifestsDir, node, report);
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
