/**
 * The Pods the simulated node makes: static Pods read from the manifests folder as the kubelet reads it,
 * their mirror Pods, DaemonSet Pods as the DaemonSet controller makes them, and whether a DaemonSet fits
 * the Node.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeObject } from "./apiserver.ts";
import { daemonTolerations, defaultPod, toleratesAll } from "./apiserver_pods.ts";

export const MIRROR = "kubernetes.io/config.mirror";
export const REVISION = "controller-revision-hash";
const SELF_HOSTED = "self-hosted-";
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"; // k8s.io/apimachinery/pkg/util/rand

export const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;
export const ref = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
export const hostIPOf = (n: KubeObject | undefined): string | undefined =>
  (n?.status?.addresses ?? []).find((a: KubeObject) => a.type === "InternalIP")?.address;
export const controllerOf = (p: KubeObject) =>
  (p.metadata?.ownerReferences ?? []).find((r: KubeObject) => r.controller === true);

export interface StaticPod {
  readonly pod: KubeObject;
  /** The mirror Pod's namespace and name. */
  readonly ns: string;
  readonly name: string;
  /** kubernetes.io/config.hash: the kubelet's id of this version of the file. */
  readonly hash: string;
}

/** The component a Pod runs: its `component` label, else its DaemonSet's name without `self-hosted-`. */
export function componentOf(pod: KubeObject, owner?: string): string | undefined {
  const c = pod.metadata?.labels?.component;
  if (typeof c === "string" && c) return c;
  return owner?.startsWith(SELF_HOSTED) ? owner.slice(SELF_HOSTED.length) : owner;
}

/** Logs a message once per key until the message changes; `forget` re-arms the key. */
export interface Reporter {
  once(key: string, msg: string): void;
  forget(key: string): void;
}

/** The static Pods in `dir` as the kubelet of `node` reads them: bad files are reported once and skipped. */
export async function readStaticPods(dir: string, node: string, report: Reporter): Promise<StaticPod[]> {
  const out: StaticPod[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  for (const ent of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!ent.isFile || ent.name.startsWith(".")) continue;
    const file = join(dir, ent.name);
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
      report.once(
        `file:${file}`,
        `static pod file ${ent.name} skipped: ${(e as Error).message.split("\n")[0]}`,
      );
      continue;
    }
    if (pod?.apiVersion !== "v1" || pod?.kind !== "Pod" || !pod?.metadata?.name) {
      report.once(`file:${file}`, `static pod file ${ent.name} skipped: not a v1 Pod`);
      continue;
    }
    const ns = pod.metadata.namespace || "default"; // the kubelet's default, not kube-system
    const name = `${pod.metadata.name}-${node.toLowerCase()}`;
    if (out.some((s) => s.ns === ns && s.name === name)) {
      report.once(`file:${file}`, `static pod file ${ent.name} skipped: duplicate pod name ${ns}/${name}`);
      continue;
    }
    report.forget(`file:${file}`);
    out.push({ pod, ns, name, hash: createHash("md5").update(text).digest("hex") });
  }
  return out;
}

/** The mirror Pod the kubelet of `node` posts for a static Pod. */
export function mirrorPod(s: StaticPod, nodeObj: KubeObject, node: string): KubeObject {
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

/** The Pod the DaemonSet controller creates for `ds` (template hash `hash`) on `node`. */
export function daemonPod(ds: KubeObject, hash: string, node: string): KubeObject {
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

/** Whether a DaemonSet's Pod may be placed on (`schedule`) or keep running on (`keep`) the Node. */
export function fit(ds: KubeObject, nodeObj: KubeObject | undefined) {
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
