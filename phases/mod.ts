/**
 * The init phase tree. Every phase is listed once here; the order is the one kubeadm of the chosen
 * minor uses (versions table `phaseOrder`).
 */
import type { MinorInfo } from "../lib/versions.ts";
import type { Phase } from "./types.ts";
import { preflightPhase } from "./preflight.ts";
import { certsPhase } from "./certs.ts";
import { kubeconfigPhase } from "./kubeconfig.ts";
import { etcdPhase } from "./etcd.ts";
import { controlPlanePhase } from "./controlplane.ts";
import { kubeletStartPhase } from "./kubelet-start.ts";
import { pendingPhases } from "./pending.ts";

const ALL: Readonly<Record<string, Phase>> = {
  preflight: preflightPhase,
  certs: certsPhase,
  kubeconfig: kubeconfigPhase,
  etcd: etcdPhase,
  "control-plane": controlPlanePhase,
  "kubelet-start": kubeletStartPhase,
  ...pendingPhases,
};

/** The init phases for a minor, in kubeadm's order for it. */
export function initPhases(info: MinorInfo): Phase[] {
  return info.phaseOrder.map((name) => {
    const p = ALL[name];
    if (!p) throw new Error(`internal: no phase named ${name}`);
    return p;
  });
}
