/**
 * What `kadm init` must leave in the test API server, per version: the lines it prints (in order),
 * the labels, taints, identities and images, and the assertion over every object kubeadm creates with
 * its important fields (kubeadm-config, kubelet-config, RBAC, the Node, the bootstrap token, cluster-info,
 * CoreDNS, kube-proxy, v1.29+: kubeadm:cluster-admins).
 */
import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../_std.ts";
import type { KubeObject, TestApiServer } from "./apiserver.ts";
import { type E2eVersion, NODE, POD_SUBNET, TOKEN } from "./e2e.ts";

export interface Expect {
  readonly version: E2eVersion;
  readonly kubeadmConfigApi: string;
  readonly kubeletConfigMap: string;
  readonly labels: readonly string[];
  readonly taints: readonly string[];
  readonly criSocketAnnotation?: string;
  readonly adminGroup: string;
  readonly imagePrefix: string;
  /** No token in the config: kadm generates one (on the first init; re-runs keep using it). */
  readonly generatedToken: boolean;
  /** The join command's continuation indent (four spaces up to v1.20, a tab from v1.21). */
  readonly joinIndent: string;
  /** Lines kadm prints, in this order (each a prefix or a RegExp). */
  readonly lines: readonly (string | RegExp)[];
}

const COMMON_TAIL: readonly (string | RegExp)[] = [
  '[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace',
  /^\[kubelet-finalize\] /,
  "[addons] Applied essential addon: CoreDNS",
  "[addons] Applied essential addon: kube-proxy",
  "Your Kubernetes control-plane has initialized successfully!",
];

export const V120: Expect = {
  version: "v1.20.2",
  kubeadmConfigApi: "kubeadm.k8s.io/v1beta2",
  kubeletConfigMap: "kubelet-config-1.20",
  labels: ["node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"],
  taints: ["node-role.kubernetes.io/master:NoSchedule"],
  criSocketAnnotation: "/run/containerd/containerd.sock",
  adminGroup: "system:masters",
  imagePrefix: "k8s.gcr.io/",
  generatedToken: false,
  joinIndent: "    ",
  lines: [
    "[init] Using Kubernetes version: v1.20.2",
    "[preflight] Running pre-flight checks",
    /^\[certs\] Using certificateDir folder ".*\/etc\/kubernetes\/pki"$/,
    "[certs] Using existing ca certificate authority",
    '[certs] Generating "sa" key and public key',
    /^\[kubeconfig\] Using kubeconfig folder /,
    /^\[kubelet-start\] Writing kubelet environment file with flags to file /,
    "[kubelet-start] Starting the kubelet",
    /^\[control-plane\] Using manifest folder /,
    /^\[etcd\] Creating static Pod manifest for local etcd in /,
    /^\[wait-control-plane\] Waiting for the kubelet to boot up the control plane .* This can take up to 4m0s$/,
    /^\[apiclient\] All control plane components are healthy after \d+\.\d+ seconds$/,
    '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace',
    '[kubelet] Creating a ConfigMap "kubelet-config-1.20" in namespace kube-system with the configuration for the kubelets in the cluster',
    "[upload-certs] Skipping phase. Please see --upload-certs",
    `[mark-control-plane] Marking the node ${NODE} as control-plane by adding the labels "node-role.kubernetes.io/master=''" and "node-role.kubernetes.io/control-plane='' (deprecated)"`,
    `[mark-control-plane] Marking the node ${NODE} as control-plane by adding the taints [node-role.kubernetes.io/master:NoSchedule]`,
    `[bootstrap-token] Using token: ${TOKEN}`,
    "[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles",
    "[bootstrap-token] configured RBAC rules to allow Node Bootstrap tokens to get nodes",
    "[bootstrap-token] configured RBAC rules to allow certificate rotation for all node client certificates in the cluster",
    ...COMMON_TAIL,
  ],
};

export const V134: Expect = {
  version: "v1.34.7",
  kubeadmConfigApi: "kubeadm.k8s.io/v1beta4",
  kubeletConfigMap: "kubelet-config",
  labels: [
    "node-role.kubernetes.io/control-plane",
    "node.kubernetes.io/exclude-from-external-load-balancers",
  ],
  taints: ["node-role.kubernetes.io/control-plane:NoSchedule"],
  adminGroup: "kubeadm:cluster-admins",
  imagePrefix: "registry.k8s.io/",
  generatedToken: true,
  joinIndent: "\t",
  lines: [
    "[init] Using Kubernetes version: v1.34.7",
    "[preflight] Running pre-flight checks",
    /^\[certs\] Using certificateDir folder ".*\/etc\/kubernetes\/pki"$/,
    '[kubeconfig] Writing "super-admin.conf" kubeconfig file',
    /^\[etcd\] Creating static Pod manifest for local etcd in /,
    /^\[control-plane\] Using manifest folder /,
    /^\[kubelet-start\] Writing kubelet configuration to file ".*\/var\/lib\/kubelet\/instance-config.yaml"$/,
    "[kubelet-start] Starting the kubelet",
    // v1.30+: no timeout in this line (kubernetes#121958); [kubelet-check] and the component checks carry it.
    /^\[wait-control-plane\] Waiting for the kubelet to boot up the control plane as static Pods from directory ".*\/etc\/kubernetes\/manifests"$/,
    /^\[kubelet-check\] Waiting for a healthy kubelet at http:\/\/127\.0\.0\.1:\d+\/healthz\. This can take up to 4m0s$/,
    /^\[kubelet-check\] The kubelet is healthy after /,
    "[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s",
    /^\[control-plane-check\] Checking kube-apiserver at https:\/\/127\.0\.0\.1:\d+\/livez$/,
    /^\[control-plane-check\] Checking kube-controller-manager at https:\/\/127\.0\.0\.1:\d+\/healthz$/,
    /^\[control-plane-check\] Checking kube-scheduler at https:\/\/127\.0\.0\.1:\d+\/livez$/,
    '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace',
    '[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster',
    "[upload-certs] Skipping phase. Please see --upload-certs",
    `[mark-control-plane] Marking the node ${NODE} as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]`,
    `[mark-control-plane] Marking the node ${NODE} as control-plane by adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]`,
    /^\[bootstrap-token\] Using token: [a-z0-9]{6}\.[a-z0-9]{16}$/,
    "[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles",
    "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes",
    "[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster",
    ...COMMON_TAIL,
  ],
};

export function must(api: TestApiServer, path: string): KubeObject {
  const o = api.get(path);
  assert(o, `${path} is not in the store`);
  return o;
}

export const RBAC = "/apis/rbac.authorization.k8s.io/v1";
export const KS = "/api/v1/namespaces/kube-system";
export const dec = (b64: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
const subjects = (o: KubeObject) => (o.subjects as KubeObject[]).map((s) => `${s.kind}:${s.name}`).sort();

export function assertBinding(api: TestApiServer, path: string, role: string, subs: readonly string[]): void {
  const b = must(api, path);
  assertEquals(b.roleRef.name, role, path);
  assertEquals(subjects(b), [...subs].sort(), path);
}

export async function assertClusterObjects(api: TestApiServer, x: Expect, root: string, token: string) {
  const v1beta4 = x.kubeadmConfigApi.endsWith("v1beta4");
  // upload-config
  const kc = must(api, `${KS}/configmaps/kubeadm-config`);
  const cc = parse(kc.data.ClusterConfiguration);
  assertEquals([cc.apiVersion, cc.kind, cc.kubernetesVersion], [
    x.kubeadmConfigApi,
    "ClusterConfiguration",
    x.version,
  ]);
  assertEquals(cc.networking, {
    dnsDomain: "cluster.local",
    podSubnet: POD_SUBNET,
    serviceSubnet: "10.96.0.0/12",
  });
  if (v1beta4) assertEquals(Object.keys(kc.data), ["ClusterConfiguration"]);
  else {
    const st = parse(kc.data.ClusterStatus);
    assertEquals(st.kind, "ClusterStatus");
    assertEquals(st.apiEndpoints, { [NODE]: { advertiseAddress: "127.0.0.1", bindPort: api.port } });
  }
  const kubelet = parse(must(api, `${KS}/configmaps/${x.kubeletConfigMap}`).data.kubelet);
  assertEquals([kubelet.kind, kubelet.clusterDNS], ["KubeletConfiguration", ["10.96.0.10"]]);
  const nodeReaders = ["Group:system:bootstrappers:kubeadm:default-node-token", "Group:system:nodes"];
  for (const name of ["kubeadm:nodes-kubeadm-config", `kubeadm:${x.kubeletConfigMap}`]) {
    const role = must(api, `${RBAC}/namespaces/kube-system/roles/${name}`);
    assertEquals(role.rules[0].verbs, ["get"], name);
    assertBinding(api, `${RBAC}/namespaces/kube-system/rolebindings/${name}`, name, nodeReaders);
  }
  // mark-control-plane (and v1.20's cri-socket annotation)
  const node = must(api, `/api/v1/nodes/${NODE}`);
  for (const l of x.labels) assertEquals(node.metadata.labels[l], "", l);
  assertEquals((node.spec.taints as KubeObject[]).map((t) => `${t.key}:${t.effect}`), x.taints);
  assertEquals(node.metadata.annotations["kubeadm.alpha.kubernetes.io/cri-socket"], x.criSocketAnnotation);
  // bootstrap-token
  const [id, secret] = token.split(".") as [string, string];
  const s = must(api, `${KS}/secrets/bootstrap-token-${id}`);
  assertEquals(s.type, "bootstrap.kubernetes.io/token");
  const data = Object.fromEntries(
    Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, dec(v)]),
  );
  assertEquals(Object.keys(data).sort(), [
    "auth-extra-groups",
    "expiration",
    "token-id",
    "token-secret",
    "usage-bootstrap-authentication",
    "usage-bootstrap-signing",
  ]);
  assertEquals([data["token-id"], data["token-secret"]], [id, secret]);
  assertEquals(data["auth-extra-groups"], "system:bootstrappers:kubeadm:default-node-token");
  assertMatch(data.expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const ttl = Date.parse(data.expiration!) - Date.now();
  assert(Math.abs(ttl - 24 * 3600_000) < 5 * 60_000, `expiration ${data.expiration} is not now + 24h`);
  const tokenGroup = ["Group:system:bootstrappers:kubeadm:default-node-token"];
  assertEquals(must(api, `${RBAC}/clusterroles/kubeadm:get-nodes`).rules[0].resources, ["nodes"]);
  assertBinding(api, `${RBAC}/clusterrolebindings/kubeadm:get-nodes`, "kubeadm:get-nodes", tokenGroup);
  assertBinding(
    api,
    `${RBAC}/clusterrolebindings/kubeadm:kubelet-bootstrap`,
    "system:node-bootstrapper",
    tokenGroup,
  );
  assertBinding(
    api,
    `${RBAC}/clusterrolebindings/kubeadm:node-autoapprove-bootstrap`,
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    tokenGroup,
  );
  assertBinding(
    api,
    `${RBAC}/clusterrolebindings/kubeadm:node-autoapprove-certificate-rotation`,
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    ["Group:system:nodes"],
  );
  const info = parse(must(api, "/api/v1/namespaces/kube-public/configmaps/cluster-info").data.kubeconfig);
  const cluster = info.clusters[0].cluster;
  assertEquals(cluster.server, `https://127.0.0.1:${api.port}`);
  assertEquals(
    dec(cluster["certificate-authority-data"]),
    await Deno.readTextFile(`${root}/etc/kubernetes/pki/ca.crt`),
  );
  const anon = must(api, `${RBAC}/namespaces/kube-public/roles/kubeadm:bootstrap-signer-clusterinfo`);
  assertEquals(anon.rules[0].resourceNames, ["cluster-info"]);
  assertBinding(
    api,
    `${RBAC}/namespaces/kube-public/rolebindings/kubeadm:bootstrap-signer-clusterinfo`,
    "kubeadm:bootstrap-signer-clusterinfo",
    ["User:system:anonymous"],
  );
  // addons
  const dns = must(api, `${KS}/services/kube-dns`);
  assertEquals(dns.spec.clusterIP, "10.96.0.10", "the 10th address of 10.96.0.0/12");
  assertMatch(
    must(api, `${KS}/configmaps/coredns`).data.Corefile,
    /kubernetes cluster\.local in-addr\.arpa ip6\.arpa/,
  );
  assertMatch(
    must(api, "/apis/apps/v1/namespaces/kube-system/deployments/coredns").spec.template.spec
      .containers[0].image,
    new RegExp(`^${x.imagePrefix}.*coredns:v?1\\.`),
  );
  must(api, `${KS}/serviceaccounts/coredns`);
  must(api, `${RBAC}/clusterroles/system:coredns`);
  assertBinding(api, `${RBAC}/clusterrolebindings/system:coredns`, "system:coredns", [
    "ServiceAccount:coredns",
  ]);
  const proxyCm = must(api, `${KS}/configmaps/kube-proxy`);
  assertEquals(parse(proxyCm.data["config.conf"]).clusterCIDR, POD_SUBNET);
  assertEquals(
    parse(proxyCm.data["kubeconfig.conf"]).clusters[0].cluster.server,
    `https://127.0.0.1:${api.port}`,
  );
  assertEquals(
    must(api, "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy").spec.template.spec.containers[0]
      .image,
    `${x.imagePrefix}kube-proxy:${x.version}`,
  );
  must(api, `${KS}/serviceaccounts/kube-proxy`);
  assertBinding(api, `${RBAC}/clusterrolebindings/kubeadm:node-proxier`, "system:node-proxier", [
    "ServiceAccount:kube-proxy",
  ]);
  must(api, `${RBAC}/namespaces/kube-system/roles/kube-proxy`);
  assertBinding(api, `${RBAC}/namespaces/kube-system/rolebindings/kube-proxy`, "kube-proxy", tokenGroup);
  if (v1beta4) {
    assertBinding(api, `${RBAC}/clusterrolebindings/kubeadm:cluster-admins`, "cluster-admin", [
      "Group:kubeadm:cluster-admins",
    ]);
  }
}
