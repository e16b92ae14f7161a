/**
 * The banner `kadm init` ends with and the `kubeadm join` commands in it, as kubeadm's
 * cmd/init.go (initDoneTempl) and util/join.go render them: token, one
 * --discovery-token-ca-cert-hash per CA certificate, and the control-plane variant.
 */

export interface JoinCommandInput {
  /** host:port workers reach: controlPlaneEndpoint, or advertiseAddress:bindPort. */
  readonly endpoint: string;
  /** The token, or undefined when --skip-token-print withholds it. */
  readonly token: string | undefined;
  /** "sha256:<hex>" pins of the CA certificates. */
  readonly caCertHashes: readonly string[];
  readonly controlPlane: boolean;
  /** Printed with --control-plane when certificates were uploaded (undefined: not uploaded or withheld). */
  readonly certificateKey?: string;
  /** Continuation indent: four spaces up to v1.20, a tab from v1.21 (kubernetes#97413). */
  readonly indent?: string;
}

/** The continuation indent of kubeadm's join command template for a minor. */
export function joinIndent(minor: number): string {
  return minor >= 21 ? "\t" : "    ";
}

/** kubeadm's join command template, including its trailing spaces. */
export function joinCommand(j: JoinCommandInput): string {
  const token = j.token ?? "<value withheld>";
  const indent = j.indent ?? "    ";
  let out = `kubeadm join ${j.endpoint} --token ${token} \\\n`;
  for (const h of j.caCertHashes) out += `${indent}--discovery-token-ca-cert-hash ${h} \\\n`;
  out = out.replace(/\\\n$/, "");
  if (j.controlPlane) {
    out += `\\\n${indent}--control-plane `;
    if (j.certificateKey) out += `--certificate-key ${j.certificateKey}`;
  }
  return out;
}

export interface BannerInput {
  readonly minor: number;
  /** Where admin.conf was written (the dry-run folder's copy in dry-run). */
  readonly adminConfPath: string;
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly caCertHashes: readonly string[];
  /** Whether a controlPlaneEndpoint is set: only then is the control-plane join printed. */
  readonly hasControlPlaneEndpoint: boolean;
  readonly uploadCerts: boolean;
  readonly certificateKey?: string;
}

/** The success banner with the join commands. */
export function initDoneBanner(b: BannerInput): string {
  const indent = joinIndent(b.minor);
  const worker = joinCommand({
    endpoint: b.endpoint,
    token: b.token,
    caCertHashes: b.caCertHashes,
    controlPlane: false,
    indent,
  });
  let cp = "";
  if (b.hasControlPlaneEndpoint) {
    const cmd = joinCommand({
      endpoint: b.endpoint,
      token: b.token,
      caCertHashes: b.caCertHashes,
      controlPlane: true,
      indent,
      ...(b.uploadCerts && b.certificateKey ? { certificateKey: b.certificateKey } : {}),
    });
    cp = b.uploadCerts
      // "the control-plane node" up to v1.31 (real v1.27.6 and v1.30.2 transcripts); "control-plane nodes"
      // from v1.32 (kubernetes#128118, CHANGELOG-1.32.md "v1.32.0-alpha.2").
      ? `You can now join any number of ${
        b.minor >= 32 ? "control-plane nodes" : "the control-plane node"
      } running the following command on each as root:\n\n  ${cmd}\n\n` +
        "Please note that the certificate-key gives access to cluster sensitive data, keep it secret!\n" +
        "As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use\n" +
        '"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.\n\n'
      : "You can now join any number of control-plane nodes by copying certificate authorities\n" +
        "and service account keys on each node and then running the following as root:\n\n" +
        `  ${cmd}\n\n`;
  }
  return `Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i ${b.adminConfPath} $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/

${cp}Then you can join any number of worker nodes by running the following on each as root:

${worker}
`;
}
