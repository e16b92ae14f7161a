/**
 * The `cluster-info` ConfigMap in kube-public (kubeadm's phases/bootstraptoken/clusterinfo): a kubeconfig
 * with one unnamed cluster (the CA and admin.conf's server) and no users or contexts, written by
 * clientcmd as `name: ""`, `contexts: null`, `users: null`; plus the Role/RoleBinding that lets
 * system:anonymous read it. The bootstrapsigner controller adds the `jws-kubeconfig-<id>` keys later.
 */
import { toKubeYaml } from "../yaml.ts";
import {
  base64,
  binding,
  type ConfigMap,
  configMap,
  getNamed,
  KUBE_PUBLIC,
  type KubeObject,
  meta,
  role,
  type Step,
} from "./types.ts";

export const CLUSTER_INFO = "cluster-info";

export interface ClusterInfoObjects {
  readonly configMap: ConfigMap;
  readonly role: KubeObject;
  readonly roleBinding: KubeObject;
  readonly steps: readonly Step[];
}

/** The kubeconfig text kubeadm stores under `kubeconfig`. */
export function clusterInfoKubeconfig(caPem: string, server: string): string {
  return toKubeYaml({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": base64(caPem), server }, name: "" }],
    contexts: null,
    "current-context": "",
    kind: "Config",
    preferences: {},
    users: null,
  });
}

/** @param server admin.conf's server (controlPlaneEndpoint, or the local API endpoint). */
export function clusterInfoObjects(caPem: string, server: string): ClusterInfoObjects {
  const cm = configMap(meta(CLUSTER_INFO, KUBE_PUBLIC), { kubeconfig: clusterInfoKubeconfig(caPem, server) });
  const name = "kubeadm:bootstrap-signer-clusterinfo";
  const r = role("Role", meta(name, KUBE_PUBLIC), [getNamed("configmaps", CLUSTER_INFO)]);
  const rb = binding("RoleBinding", meta(name, KUBE_PUBLIC), { kind: "Role", name }, [
    { kind: "User", name: "system:anonymous" },
  ]);
  return {
    configMap: cm,
    role: r,
    roleBinding: rb,
    steps: [{
      line: `[bootstrap-token] Creating the "${CLUSTER_INFO}" ConfigMap in the "${KUBE_PUBLIC}" namespace`,
      objects: [cm, r, rb],
    }],
  };
}
