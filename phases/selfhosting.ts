/**
 * Phase `selfhosting` (kadm; kubeadm v1.9 - v1.12's self-hosting, `alpha phase selfhosting
 * convert-from-staticpods`): after the static control plane is healthy, one component at a time
 * (kube-apiserver, kube-controller-manager, kube-scheduler): its DaemonSet built from its static Pod
 * manifest on disk, its Pod running, then the hand-over: record it, remove its static manifest, wait until
 * the mirror Pod is gone and the DaemonSet's Pod is Ready (the API server also answering /healthz). A
 * hand-over that does not become healthy in time puts the static manifest back. etcd stays a static Pod.
 * With StoreCertsInSecrets the files the components read go into Secrets first.
 * `recover` (only when asked for): after a reboot nothing starts a self-hosted API server, so it writes
 * the recorded components' static manifests again, waits for the API server and hands over again; with
 * the SelfHosting gate off it deletes the DaemonSets instead and forgets them (back to static Pods).
 * Inputs: featureGates SelfHosting/StoreCertsInSecrets, nodeRegistration (name, taints), the manifests
 * and certificate/kubeconfig files on disk, timeouts.controlPlaneComponentHealthCheck.
 * Outputs: Secrets and DaemonSets in kube-system; manifests removed; kadm's record (`selfHosted`).
 */
import { parse } from "yaml";
import { UserError } from "../lib/errors.ts";
import { readTextIfExists, writeFileAtomic } from "../lib/host.ts";
import { isNotFound, type KubeClient, type KubeObject } from "../lib/kubeapi.ts";
import { renderControlPlanePods } from "../lib/manifests/controlplane.ts";
import {
  asStaticPod,
  buildDaemonSet,
  certSecret,
  certSecretPlan,
  daemonSetName,
  kubeconfigFileOf,
  kubeconfigSecret,
  SELF_HOSTED_COMPONENTS,
  selfHostedSelector,
  selfHostingNode,
  selfHostingOn,
  type StaticPod,
  storeCertsInSecretsOn,
} from "../lib/selfhosting.ts";
import { readState, updateState, withSelfHosted } from "../lib/state.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import { apiClient, healthClient } from "./api.ts";
import { manifestHostFacts } from "./controlplane.ts";
import { manifestPath, writeManifest } from "./manifest-files.ts";
import { applyPatches } from "./patches.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";
import { goDuration } from "./waitcontrolplane.ts";
import { poll, PollTimeout } from "./poll.ts";

interface OnDisk {
  readonly component: string;
  readonly path: string;
  readonly text: string;
  readonly pod: StaticPod;
}

type Obj = Record<string, unknown>;
const POLL_MS = 200;

/** Polls `check` (true, or a description of what is still missing) until true or `timeoutS`. */
async function waitFor(
  ctx: InitContext,
  what: string,
  timeoutS: number,
  check: () => Promise<true | string>,
): Promise<void> {
  await poll(ctx, { prefix: "[self-hosted]", what, timeoutS, intervalMs: POLL_MS }, check);
}

/** The component's DaemonSet Pod on this node (not being deleted), if any. */
async function daemonPod(
  client: KubeClient,
  component: string,
  node: string,
): Promise<KubeObject | undefined> {
  const list = await client.list({ apiVersion: "v1", kind: "Pod", namespace: "kube-system" }, {
    labelSelector: selfHostedSelector(component),
    fieldSelector: `spec.nodeName=${node}`,
    timeoutMs: 10_000,
  });
  return list.items.find((p) => !p.metadata.deletionTimestamp);
}

const status = (p: KubeObject) => (p.status ?? {}) as Obj;
const isRunning = (p: KubeObject) => status(p).phase === "Running";
const isReady = (p: KubeObject) =>
  Array.isArray(status(p).conditions) &&
  (status(p).conditions as Obj[]).some((c) => c.type === "Ready" && c.status === "True");

/** "Pod x is Pending (ContainerCreating)" for an error message. */
function describePod(p: KubeObject): string {
  const cs = Array.isArray(status(p).containerStatuses) ? status(p).containerStatuses as Obj[] : [];
  const reasons = cs.map((c) => ((c.state as Obj | undefined)?.waiting as Obj | undefined)?.reason)
    .filter((r) => typeof r === "string");
  const phase = String(status(p).phase ?? "Unknown");
  return `Pod ${p.metadata.name} is ${
    isReady(p) ? "Ready" : phase === "Running" ? "Running, not Ready" : phase
  }${reasons.length ? ` (${[...new Set(reasons)].join(", ")})` : ""}`;
}

async function readStaticPods(ctx: InitContext, selfHosted: readonly string[]) {
  const present: OnDisk[] = [], already: string[] = [];
  for (const component of SELF_HOSTED_COMPONENTS) {
    const path = manifestPath(ctx, component);
    const text = await readTextIfExists(onDisk(ctx, path));
    if (text === undefined) {
      if (selfHosted.includes(component)) {
        already.push(component);
        continue;
      }
      throw new UserError(
        `No static Pod manifest for ${component} at ${
          onDisk(ctx, path)
        }, and kadm's record does not list it ` +
          `as self-hosted; write it with 'kadm init phase control-plane ${
            component.replace(/^kube-/, "")
          }' first`,
      );
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (e) {
      throw new UserError(
        `Invalid static Pod manifest ${onDisk(ctx, path)}: not YAML (${
          (e as Error).message.split("\n")[0]
        }); write it again with 'kadm init phase control-plane all'`,
      );
    }
    present.push({ component, path, text, pod: asStaticPod(doc, onDisk(ctx, path)) });
  }
  return { present, already };
}

/** StoreCertsInSecrets: the Secrets the DaemonSets of `present` mount. */
async function uploadSecrets(
  ctx: InitContext,
  client: KubeClient,
  present: readonly OnDisk[],
): Promise<void> {
  const pki = ctx.cfg.cluster.certificatesDir;
  const files = new Map<string, string>();
  const read = async (hostPath: string) => {
    const text = await readTextIfExists(onDisk(ctx, hostPath));
    if (text === undefined) {
      throw new UserError(
        `Cannot store ${hostPath} in a Secret for StoreCertsInSecrets: it does not exist; ` +
          "run 'kadm init phase certs all' and 'kadm init phase kubeconfig all' first",
      );
    }
    return text;
  };
  const plans = certSecretPlan(present.map((p) => p.pod));
  for (const plan of plans) {
    for (const rel of Object.values(plan.files)) files.set(rel!, await read(`${pki}/${rel}`));
  }
  const kubeconfigs: [string, string][] = [];
  for (const p of present) {
    const file = kubeconfigFileOf(p.pod);
    if (file) kubeconfigs.push([file, await read(`${ctx.paths.kubeconfigDir}/${file}`)]);
  }
  for (const plan of plans) {
    await client.createOrUpdate(certSecret(plan, (rel) => files.get(rel)!));
    const names = Object.values(plan.files).join(" and ");
    const kind = plan.files["tls.key"] && plan.files["tls.crt"] ? "TLS secret" : "secret";
    ctx.log.info(`[self-hosted] Created ${kind} "${plan.name}" from ${names}`);
  }
  for (const [file, content] of kubeconfigs) {
    await client.createOrUpdate(kubeconfigSecret(file, content));
    ctx.log.info(`[self-hosted] Created secret for kubeconfig file "${file}"`);
  }
}

/** Hands `p` over to its DaemonSet; on timeout puts the static manifest back and fails. */
async function handOver(ctx: InitContext, client: KubeClient, p: OnDisk): Promise<void> {
  const pki = onDisk(ctx, ctx.cfg.cluster.certificatesDir);
  const node = ctx.cfg.nodeRegistration.name;
  const t = ctx.cfg.cluster.timeouts.controlPlaneComponentHealthCheck;
  const start = performance.now();
  await updateState(pki, (s) => withSelfHosted(s, p.component, true));
  await Deno.remove(onDisk(ctx, p.path)).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  const mirror = `${p.component}-${node}`;
  try {
    await waitFor(ctx, `the self-hosted ${p.component}`, t, async () => {
      try {
        await client.get({ apiVersion: "v1", kind: "Pod", namespace: "kube-system", name: mirror }, {
          timeoutMs: 5_000,
        });
        return `the static Pod ${mirror} still runs`;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const pod = await daemonPod(client, p.component, node);
      if (!pod) return `DaemonSet ${daemonSetName(p.component)} has no Pod on node ${node}`;
      if (!isReady(pod)) return describePod(pod);
      if (p.component === "kube-apiserver") await client.waitHealthy("/healthz", 5_000, POLL_MS);
      return true;
    });
  } catch (e) {
    if (!(e instanceof PollTimeout)) throw e;
    await writeFileAtomic(onDisk(ctx, p.path), p.text, { mode: 0o600, dirMode: 0o700 });
    await updateState(pki, (s) => withSelfHosted(s, p.component, false));
    throw new UserError(
      `The self-hosted ${p.component} did not become healthy within ${goDuration(t)} (last: ${e.message}); ` +
        `its static Pod manifest ${onDisk(ctx, p.path)} was put back, so the static Pod runs again. ` +
        `Look at its Pods with 'kubectl -n kube-system describe pods -l ${selfHostedSelector(p.component)}'`,
    );
  }
  ctx.log.info(
    `[self-hosted] self-hosted ${p.component} ready after ${
      ((performance.now() - start) / 1000).toFixed(6)
    } seconds`,
  );
}

/** convert-from-staticpods: DaemonSets from the static manifests, then the hand-over. */
export async function convertFromStaticPods(ctx: InitContext): Promise<void> {
  const pki = onDisk(ctx, ctx.cfg.cluster.certificatesDir);
  const { present, already } = await readStaticPods(ctx, (await readState(pki)).selfHosted);
  for (const c of already) {
    ctx.log.info(
      `[self-hosted] ${c} is self-hosted already (DaemonSet kube-system/${daemonSetName(c)}); left as it is`,
    );
  }
  if (present.length === 0) return;
  ctx.log.info("[self-hosted] Creating self-hosted control plane.");
  const client = await apiClient(ctx);
  if (storeCertsInSecretsOn(ctx.cfg)) await uploadSecrets(ctx, client, present);
  const node = selfHostingNode(ctx.cfg, ctx.minor);
  const t = ctx.cfg.cluster.timeouts.controlPlaneComponentHealthCheck;
  // One component at a time, from its DaemonSet to its hand-over (kubeadm's order): a DaemonSet Pod
  // crash-loops while the static Pod holds the ports, and the kubelet's back-off grows to 5 minutes, so
  // DaemonSets created long before their hand-over would take that long to start once they may.
  for (const p of present) {
    const ds = buildDaemonSet(p.component, p.pod, {
      node,
      storeCertsInSecrets: storeCertsInSecretsOn(ctx.cfg),
    });
    await client.createOrUpdate(ds);
    ctx.log.info(
      `[self-hosted] Created DaemonSet "kube-system/${ds.metadata.name}" from ${onDisk(ctx, p.path)}`,
    );
    if (ctx.dryRun) {
      ctx.log.info(
        `[dryrun] Would wait for the Pod of DaemonSet kube-system/${ds.metadata.name} on node ${node.name}, ` +
          `then remove the static Pod manifest ${p.path}`,
      );
      continue;
    }
    const what = `DaemonSet kube-system/${ds.metadata.name}`;
    try {
      await waitFor(ctx, `the Pod of ${what}`, t, async () => {
        const pod = await daemonPod(client, p.component, node.name);
        if (!pod) return `no Pod on node ${node.name} yet`;
        return isRunning(pod) ? true : describePod(pod);
      });
    } catch (e) {
      if (!(e instanceof PollTimeout)) throw e;
      throw new UserError(
        `The Pod of ${what} did not start on node ${node.name} within ${
          goDuration(t)
        } (last: ${e.message}); ` +
          `${p.component} was not handed over, its static Pod still runs. Look at it with 'kubectl -n kube-system ` +
          `describe daemonset ${ds.metadata.name}'`,
      );
    }
    await handOver(ctx, client, p);
  }
}

/** recover: the recorded components' static manifests again, the API server, then the hand-over again. */
async function recover(ctx: InitContext): Promise<void> {
  const recorded = (await readState(onDisk(ctx, ctx.cfg.cluster.certificatesDir))).selfHosted;
  if (recorded.length === 0) {
    ctx.log.info("[self-hosted] Nothing to recover: kadm's record lists no self-hosted component");
    return;
  }
  const pods = renderControlPlanePods(ctx.cfg, ctx.minor, await manifestHostFacts(ctx));
  for (const c of SELF_HOSTED_COMPONENTS) {
    if (!recorded.includes(c)) continue;
    await writeManifest(ctx, c, toKubeYaml(applyPatches(ctx, c, pods[c])));
    ctx.log.info(`[self-hosted] Wrote the static Pod manifest for "${c}" so the kubelet starts it again`);
  }
  if (!ctx.dryRun) {
    const t = ctx.cfg.cluster.timeouts.controlPlaneComponentHealthCheck;
    ctx.log.info(`[self-hosted] Waiting for the static API server. This can take up to ${goDuration(t)}`);
    await (await healthClient(ctx)).waitHealthy("/healthz", t * 1000, 500);
  }
  if (selfHostingOn(ctx.cfg)) {
    await convertFromStaticPods(ctx);
    return;
  }
  // The SelfHosting gate is off: stay static. The DaemonSets' Pods (crash-looping beside the static
  // ones) go with them; the record forgets the components.
  const client = await apiClient(ctx);
  for (const c of SELF_HOSTED_COMPONENTS) {
    const name = daemonSetName(c);
    try {
      await client.delete({ apiVersion: "apps/v1", kind: "DaemonSet", namespace: "kube-system", name });
      ctx.log.info(`[self-hosted] Deleted DaemonSet "kube-system/${name}": ${c} stays a static Pod`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  if (!ctx.dryRun) {
    const pki = onDisk(ctx, ctx.cfg.cluster.certificatesDir);
    await updateState(pki, (s) => recorded.reduce((acc, c) => withSelfHosted(acc, c, false), s));
  }
  ctx.log.info("[self-hosted] The control plane runs from static Pods again (the SelfHosting gate is off)");
}

export const selfHostingPhase: Phase = {
  name: "selfhosting",
  short: "Make the control plane self-hosted (experimental; the SelfHosting feature gate)",
  long: "kube-apiserver, kube-controller-manager and kube-scheduler are handed over, one at a time, from " +
    "their static Pods to DaemonSets in kube-system; etcd stays a static Pod. A self-hosted control plane " +
    "does not come back by itself after the node reboots: run 'kadm init phase selfhosting recover'.",
  phases: [
    {
      name: "convert-from-staticpods",
      short: "Hand the static control plane over to self-hosted DaemonSets",
      runIf: (ctx) => selfHostingOn(ctx.cfg),
      skipNote: () =>
        "[self-hosted] Skipping phase: the SelfHosting feature gate is off (--feature-gates=SelfHosting=true)",
      run: convertFromStaticPods,
    },
    {
      name: "recover",
      short: "After a reboot: start the static Pods again, then hand over to the DaemonSets again",
      explicitOnly: true,
      run: recover,
    },
  ],
};
