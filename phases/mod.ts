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
import { waitControlPlanePhase } from "./waitcontrolplane.ts";
import { uploadConfigPhase } from "./uploadconfig.ts";
import { uploadCertsPhase } from "./uploadcerts.ts";
import { markControlPlanePhase } from "./markcontrolplane.ts";
import { bootstrapTokenPhase } from "./bootstraptoken.ts";
import { kubeletFinalizePhase } from "./kubeletfinalize.ts";
import { addonPhase } from "./addons.ts";
import { showJoinCommandPhase } from "./showjoin.ts";
import { selfHostingPhase } from "./selfhosting.ts";

const ALL: Readonly<Record<string, Phase>> = {
  preflight: preflightPhase,
  certs: certsPhase,
  kubeconfig: kubeconfigPhase,
  etcd: etcdPhase,
  "control-plane": controlPlanePhase,
  "kubelet-start": kubeletStartPhase,
  "wait-control-plane": waitControlPlanePhase,
  "upload-config": uploadConfigPhase,
  "upload-certs": uploadCertsPhase,
  "mark-control-plane": markControlPlanePhase,
  "bootstrap-token": bootstrapTokenPhase,
  "kubelet-finalize": kubeletFinalizePhase,
  addon: addonPhase,
  selfhosting: selfHostingPhase,
  "show-join-command": showJoinCommandPhase,
};

/** The init phases for a minor, in kubeadm's order for it. */
export function initPhases(info: MinorInfo): Phase[] {
  return info.phaseOrder.map((name) => {
    const p = ALL[name];
    if (!p) throw new Error(`internal: no phase named ${name}`);
    return p;
  });
}
