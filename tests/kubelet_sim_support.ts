/**
 * A test API server with one control-plane Node, the simulated kubelet beside it on a temporary manifests
 * folder, an admin HTTP client, and the objects the tests post (static Pod manifests, self-hosted
 * DaemonSets): the harness shared by kubelet_sim_test.ts and apiserver_workloads_test.ts.
 */
import { join } from "node:path";
import { assertEquals } from "./_std.ts";
import { startTestApiServer, type TestApiServer } from "./support/apiserver.ts";
import { call, clientFor, tempDir } from "./support/apiserver_client.ts";
import { type KubeletSim, startKubeletSim } from "./support/kubelet_sim.ts";

export const NODE = "master-1";
export const ROLE = "node-role.kubernetes.io/control-plane";
const TAINT = { key: ROLE, effect: "NoSchedule" };
export const KS = "/api/v1/namespaces/kube-system";
export const DS_PATH = "/apis/apps/v1/namespaces/kube-system/daemonsets";

export function staticPod(component: string, image = `registry.k8s.io/${component}:v1.10.13`): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${component}`,
    "  namespace: kube-system",
    `  labels: {component: ${component}, tier: control-plane}`,
    "spec:",
    "  hostNetwork: true",
    `  containers: [{name: ${component}, image: "${image}"}]`,
    "",
  ].join("\n");
}

// deno-lint-ignore no-explicit-any
export type Obj = any;

/** A self-hosted DaemonSet as kadm builds it (labels, nodeSelector, toleration, hostNetwork). */
export function selfHosted(component: string, spec: Obj = {}): Obj {
  const labels = { "k8s-app": `self-hosted-${component}` };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: `self-hosted-${component}`, namespace: "kube-system", labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, component, tier: "control-plane" } },
        spec: {
          hostNetwork: true,
          nodeSelector: { [ROLE]: "", "kubernetes.io/hostname": NODE },
          tolerations: [{ key: ROLE, effect: "NoSchedule" }],
          containers: [{ name: component, image: `registry.k8s.io/${component}:v1.10.13` }],
          ...spec,
        },
      },
      updateStrategy: { type: "RollingUpdate" },
    },
  };
}

export interface Env extends AsyncDisposable {
  readonly api: TestApiServer;
  readonly sim: KubeletSim;
  readonly manifests: string;
  /** An HTTP call as kubernetes-admin (system:masters). */
  http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Obj }>;
  /** The Pods of a self-hosted component on the node, as kadm lists them. */
  selfHostedPods(component: string): Promise<Obj[]>;
}

export async function env(
  o: { nodeDelayMs?: number; taints?: Obj[]; brokenComponents?: string[] } = {},
): Promise<Env> {
  const dir = await tempDir();
  const manifests = join(dir.path, "etc/kubernetes/manifests");
  await Deno.mkdir(manifests, { recursive: true });
  const api = await startTestApiServer({
    node: { name: NODE, delayMs: o.nodeDelayMs ?? 0, labels: { [ROLE]: "" }, taints: o.taints ?? [TAINT] },
  });
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  const client = clientFor(api, admin);
  const sim = startKubeletSim(api, {
    nodeName: NODE,
    manifestsDir: manifests,
    intervalMs: 10,
    brokenComponents: o.brokenComponents,
  });
  const http = (method: string, path: string, body?: unknown) => call(api, client, method, path, { body });
  return {
    api,
    sim,
    manifests,
    http,
    async selfHostedPods(component) {
      const q = `labelSelector=k8s-app%3Dself-hosted-${component}&fieldSelector=spec.nodeName%3D${NODE}`;
      const r = await http("GET", `${KS}/pods?${q}`);
      assertEquals(r.status, 200);
      return r.body.items;
    },
    async [Symbol.asyncDispose]() {
      await sim.stop();
      client.close();
      await api.stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}

export const ready = (p: Obj) => p.status.conditions.find((c: Obj) => c.type === "Ready")?.status;

/** Settles the simulator until `cond` holds (at most `passes` passes). */
export async function until(
  sim: KubeletSim,
  cond: () => boolean | Promise<boolean>,
  passes = 100,
): Promise<void> {
  for (let i = 0; i < passes; i++) {
    if (await cond()) return;
    await sim.settled();
  }
  throw new Error("condition not reached");
}
