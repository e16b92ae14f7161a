/**
 * The phases that talk to the API server (wait-control-plane onwards). They are in the tree so the
 * order, `--skip-phases` and help are already right; until the API half lands each says plainly that
 * it was skipped. In dry-run, wait-control-plane prints the files kubeadm prints at that point.
 */
import { readTextIfExists } from "../lib/host.ts";
import { tabIndent } from "../lib/yaml.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";

function pending(name: string, short: string, phases?: Phase[]): Phase {
  return {
    name,
    short,
    ...(phases ? { phases } : {}),
    run(ctx) {
      if (!phases) {
        ctx.log.info(`[${name}] Skipped: kadm does not talk to the API server yet (API half pending)`);
      }
      return Promise.resolve();
    },
  };
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

async function printDryRunFiles(ctx: InitContext): Promise<void> {
  const root = ctx.paths.root;
  ctx.log.info(
    `[dryrun] Wrote certificates, kubeconfig files and control plane manifests to the "${root}" directory`,
  );
  ctx.log.info(
    "[dryrun] The certificates or kubeconfig files would not be printed due to their sensitive nature",
  );
  ctx.log.info(`[dryrun] Please examine the "${root}" directory for details about what would be written`);
  const files = [
    ...["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"].map((c) =>
      `${ctx.paths.manifestsDir}/${c}.yaml`
    ),
    `${ctx.paths.kubeletDir}/config.yaml`,
    `${ctx.paths.kubeletDir}/instance-config.yaml`,
    `${ctx.paths.kubeletDir}/kubeadm-flags.env`,
  ];
  for (const f of files) {
    const text = await readTextIfExists(onDisk(ctx, f));
    if (text === undefined) continue;
    ctx.log.info(`[dryrun] Would write file "${f}" with content:`);
    ctx.log.info(tabIndent(text));
  }
}

const waitControlPlane: Phase = {
  name: "wait-control-plane",
  short: "Wait for the control plane to start",
  async run(ctx) {
    if (ctx.dryRun) await printDryRunFiles(ctx);
    const t = formatDuration(ctx.cfg.cluster.timeouts.controlPlaneComponentHealthCheck);
    ctx.log.info(
      `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory ` +
        `"${onDisk(ctx, ctx.paths.manifestsDir)}". This can take up to ${t}`,
    );
    ctx.log.info("[wait-control-plane] Skipped: kadm does not talk to the API server yet (API half pending)");
  },
};

export const pendingPhases: Readonly<Record<string, Phase>> = {
  "wait-control-plane": waitControlPlane,
  "upload-config": pending("upload-config", "Upload the kubeadm and kubelet configuration to a ConfigMap", [
    pending("upload-config/kubeadm", "Upload the kubeadm ClusterConfiguration to a ConfigMap"),
    pending("upload-config/kubelet", "Upload the kubelet component config to a ConfigMap"),
  ]),
  "upload-certs": pending("upload-certs", "Upload certificates to kubeadm-certs"),
  "mark-control-plane": pending("mark-control-plane", "Mark a node as a control-plane"),
  "bootstrap-token": pending(
    "bootstrap-token",
    "Generates bootstrap tokens used to join a node to a cluster",
  ),
  "kubelet-finalize": pending(
    "kubelet-finalize",
    "Updates settings relevant to the kubelet after TLS bootstrap",
    [
      pending("kubelet-finalize/enable-client-cert-rotation", "Enable kubelet client certificate rotation"),
    ],
  ),
  addon: pending("addon", "Install required addons for passing conformance tests", [
    pending("addon/coredns", "Install the CoreDNS addon to a Kubernetes cluster"),
    pending("addon/kube-proxy", "Install the kube-proxy addon to a Kubernetes cluster"),
  ]),
  "show-join-command": pending(
    "show-join-command",
    "Show the join command for control-plane and worker node",
  ),
};
