/**
 * What `kubeadm reset` of each minor does, as data (cmd/kubeadm/app/cmd/reset.go and
 * cmd/kubeadm/app/cmd/phases/reset/*.go of that release). Pure: no host access.
 *
 * v1.20 - v1.21  phases preflight, update-cluster-status (drops this node's APIEndpoint from the
 *                ClusterStatus in kubeadm-config), remove-etcd-member, cleanup-node; the etcd data folder,
 *                /var/lib/kubelet, /var/lib/dockershim, /var/run/kubernetes and /var/lib/cni are emptied
 *                after the phases ("Deleting contents of stateful directories").
 * v1.22          update-cluster-status is a no-op that says so (ClusterStatus left v1beta3, k/k#101915).
 * v1.23          update-cluster-status removed (k/k#105888).
 * v1.24          `--dry-run`; "Deleting contents of directories" (was "config directories").
 * v1.25          five attempts per Pod when removing containers (k/k#110837).
 * v1.26          `--cleanup-tmp-dir` (k/k#112172); the confirmation is cmd/util InteractivelyConfirmAction.
 * v1.27          no stateful step: remove-etcd-member empties the etcd data folder itself ("Deleted
 *                contents of the etcd data directory"), /var/lib/kubelet joins the one directory list.
 * v1.29          super-admin.conf is deleted too.
 * v1.31          kubeadm talks CRI (cri-client) instead of running crictl (k/k#124685); kadm still uses
 *                crictl for the same ListPodSandbox / StopPodSandbox / RemovePodSandbox calls.
 * v1.33          the closing text is one short paragraph with a link (k/k#129644).
 * Since v1.17 /etc/cni/net.d is never deleted (k/k#83950); $HOME/.kube/config never was.
 * The v1.24 / v1.26 / v1.27 boundaries were read from kubeadm sources of those eras, not from tags.
 */
import type { MinorInfo } from "../versions.ts";

export const KUBELET_DIR = "/var/lib/kubelet";
export const MANIFESTS_DIR = "/etc/kubernetes/manifests";
export const KUBERNETES_DIR = "/etc/kubernetes";
export const TMP_DIR = "/etc/kubernetes/tmp";
export const DEFAULT_CERTS_DIR = "/etc/kubernetes/pki";
export const DEFAULT_ETCD_DATA_DIR = "/var/lib/etcd";
export const CNI_CONF_DIR = "/etc/cni/net.d";

export type ResetPhaseName = "preflight" | "update-cluster-status" | "remove-etcd-member" | "cleanup-node";

export interface ResetProfile {
  readonly minor: number;
  /** Phase order of `kubeadm reset`. */
  readonly phases: readonly ResetPhaseName[];
  /** update-cluster-status: "remove" this node from ClusterStatus, or the v1.22 "noop" message. */
  readonly clusterStatus: "remove" | "noop" | "none";
  /** kubeadm has `--dry-run` (kadm accepts it for every minor). */
  readonly kubeadmDryRun: boolean;
  readonly cleanupTmpDirFlag: boolean;
  /** Folders emptied after the phases (v1.20 - v1.26), besides the etcd data and kubelet folders. */
  readonly statefulExtraDirs: readonly string[];
  /** "stateful": etcd + kubelet folders emptied after the phases; "inline": by their phases. */
  readonly layout: "stateful" | "inline";
  /** The word before "directories" in the cleanup-node line. */
  readonly dirsLabel: "config directories" | "directories";
  /** Kubeconfig files deleted, in kubeadm's order. */
  readonly kubeconfigFiles: readonly string[];
  /** Attempts per Pod sandbox (stop + remove). */
  readonly removeAttempts: number;
  /** The Docker socket of v1.20 - v1.23 means `docker` instead of crictl. */
  readonly dockershim: boolean;
  /** Message when the user does not answer y. */
  readonly abortMessage: string;
  /** The reset WARNING line goes to stderr (klog) rather than stdout. */
  readonly warningOnStderr: boolean;
  /** Text printed when reset finishes. */
  readonly closing: string;
}

const OLD_CLOSING =
  "\nThe reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d\n" +
  "\nThe reset process does not reset or clean up iptables rules or IPVS tables.\n" +
  'If you wish to reset iptables, you must do so manually by using the "iptables" command.\n' +
  "\nIf your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)\n" +
  "to reset your system's IPVS tables.\n" +
  "\nThe reset process does not clean your kubeconfig files and you must remove them manually.\n" +
  "Please, check the contents of the $HOME/.kube/config file.\n";

const NEW_CLOSING = "\nThe reset process does not perform cleanup of CNI plugin configuration,\n" +
  "network filtering rules and kubeconfig files.\n\n" +
  "For information on how to perform this cleanup manually, please see:\n" +
  "    https://k8s.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/\n\n";

export function resetProfile(info: Pick<MinorInfo, "minor" | "superAdmin">): ResetProfile {
  const m = info.minor;
  const k = (f: string) => `${KUBERNETES_DIR}/${f}`;
  return {
    minor: m,
    phases: m <= 22
      ? ["preflight", "update-cluster-status", "remove-etcd-member", "cleanup-node"]
      : ["preflight", "remove-etcd-member", "cleanup-node"],
    clusterStatus: m <= 21 ? "remove" : m === 22 ? "noop" : "none",
    kubeadmDryRun: m >= 24,
    cleanupTmpDirFlag: m >= 26,
    statefulExtraDirs: m <= 26 ? ["/var/lib/dockershim", "/var/run/kubernetes", "/var/lib/cni"] : [],
    layout: m <= 26 ? "stateful" : "inline",
    dirsLabel: m <= 23 ? "config directories" : "directories",
    kubeconfigFiles: [
      k("admin.conf"),
      ...(info.superAdmin ? [k("super-admin.conf")] : []),
      k("kubelet.conf"),
      k("bootstrap-kubelet.conf"),
      k("controller-manager.conf"),
      k("scheduler.conf"),
    ],
    removeAttempts: m >= 25 ? 5 : 1,
    dockershim: m <= 23,
    abortMessage: m <= 25
      ? "aborted reset operation"
      : "won't proceed; the user didn't answer (Y|y) in order to continue",
    warningOnStderr: m >= 23,
    closing: m >= 33 ? NEW_CLOSING : OLD_CLOSING,
  };
}

/** Go's fmt %v of a []string: `[a b c]`. */
export function goList(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}
