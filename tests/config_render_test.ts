import assert from "node:assert/strict";
import { renderClusterStatus, renderStoredClusterConfiguration } from "../lib/config/render.ts";
import { migrateConfig, renderInitDefaults } from "../lib/config/commands.ts";
import { imagesFor } from "../lib/config/images.ts";
import { loadInitConfig } from "../lib/config/load.ts";
import { referenceConfig, withCluster } from "./support/context.ts";
import { load, readData, REFERENCE_INPUT, testHost } from "./config_support.ts";

const transcript = Deno.readTextFileSync("/work/shared/reference/kubeadm-v1.20.2/init-dry-run.txt");

/** The `|` block of one ConfigMap key in the dry-run transcript, un-indented. */
function transcriptBlock(key: string): string {
  const lines = transcript.split("\n");
  const start = lines.indexOf(`\t  ${key}: |`);
  assert.ok(start >= 0, `no ${key} block`);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith("\t    ")) break;
    out.push(l.slice(5));
  }
  return out.join("\n") + "\n";
}

Deno.test("the stored v1beta2 ClusterConfiguration for v1.20 equals kubeadm's byte for byte", () => {
  const r = renderStoredClusterConfiguration(load(Deno.readTextFileSync(REFERENCE_INPUT)).cfg, "v1beta2");
  assert.equal(r.yaml, transcriptBlock("ClusterConfiguration"));
  assert.deepStrictEqual(r.warnings, []);
});

Deno.test("the v1beta2 ClusterStatus for v1.20 equals kubeadm's byte for byte", () => {
  assert.equal(renderClusterStatus(referenceConfig()), transcriptBlock("ClusterStatus"));
});

Deno.test("the stored v1beta4 ClusterConfiguration has kubeadm's default shape", () => {
  const cfg = withCluster(referenceConfig("v1.34.2"), { controlPlaneEndpoint: "cp:6443" });
  const r = renderStoredClusterConfiguration({
    ...cfg,
    cluster: { ...cfg.cluster, networking: { ...cfg.cluster.networking, podSubnet: "" } },
  }, "v1beta4");
  assert.equal(
    r.yaml,
    `apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controlPlaneEndpoint: cp:6443
controllerManager: {}
dns: {}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: v1.34.2
networking:
  dnsDomain: cluster.local
  serviceSubnet: 10.96.0.0/12
proxy: {}
scheduler: {}
`,
  );
});

Deno.test("the stored v1beta3 ClusterConfiguration drops dns.type and keeps timeoutForControlPlane", () => {
  const r = renderStoredClusterConfiguration(referenceConfig("v1.34.2"), "v1beta3");
  assert.match(
    r.yaml,
    /^apiServer:\n  extraArgs:\n    authorization-mode: Node,RBAC\n  timeoutForControlPlane: 4m0s\napiVersion: kubeadm.k8s.io\/v1beta3\n/,
  );
  assert.match(r.yaml, /\ndns: \{\}\n/);
});

Deno.test("fields an older format cannot hold are left out with a warning", () => {
  const r = load(readData("full-v1beta4.yaml"));
  const out = renderStoredClusterConfiguration(r.cfg, "v1beta2");
  assert.doesNotMatch(out.yaml, /extraEnvs|encryptionAlgorithm|proxy/);
  const w = out.warnings.join("\n");
  assert.match(
    w,
    /apiServer.extraEnvs cannot be stored in a kubeadm.k8s.io\/v1beta2 ClusterConfiguration; left out/,
  );
  assert.match(w, /proxy.disabled/);
  assert.match(w, /certificateValidityPeriod/);
  const v4 = renderStoredClusterConfiguration(r.cfg, "v1beta4");
  assert.match(v4.yaml, /extraEnvs:\n  - name: GOMAXPROCS\n    value: "4"\n/);
  assert.deepStrictEqual(v4.warnings, []);
});

Deno.test("init-defaults prints kubeadm's v1beta4 placeholders and loads back", () => {
  const text = renderInitDefaults("v1.34.2");
  assert.ok(
    text.startsWith(`apiVersion: kubeadm.k8s.io/v1beta4
bootstrapTokens:
- groups:
  - system:bootstrappers:kubeadm:default-node-token
  token: abcdef.0123456789abcdef
  ttl: 24h0m0s
  usages:
  - signing
  - authentication
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 1.2.3.4
  bindPort: 6443
nodeRegistration:
  criSocket: unix:///var/run/containerd/containerd.sock
  imagePullPolicy: IfNotPresent
  imagePullSerial: true
  name: node
  taints: null
timeouts:
  controlPlaneComponentHealthCheck: 4m0s
  discovery: 5m0s
  etcdAPICall: 2m0s
  kubeletHealthCheck: 4m0s
  kubernetesAPICall: 1m0s
  tlsBootstrap: 5m0s
  upgradeManifests: 5m0s
---
apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
`),
    text,
  );
  assert.match(text, /\nkubernetesVersion: 1.34.0\n/);
  const back = load(text).cfg;
  assert.equal(back.nodeRegistration.name, "node");
  assert.equal(back.localAPIEndpoint.advertiseAddress, "1.2.3.4");
  assert.equal(back.cluster.kubernetesVersion, "v1.34.0");
  assert.match(
    renderInitDefaults("v1.20.2"),
    /criSocket: \/var\/run\/dockershim.sock\n[\s\S]*imageRepository: k8s.gcr.io\n/,
  );
});

for (const name of ["reference-v1alpha1.yaml", "full-v1beta4.yaml"]) {
  Deno.test(`config migrate of ${name} round-trips to the same model`, () => {
    const text = readData(name);
    const m = migrateConfig(text, name);
    assert.match(m.yaml, /^apiVersion: kubeadm.k8s.io\/v1beta4\n/);
    const again = load(m.yaml).cfg;
    assert.deepStrictEqual(again, load(text).cfg);
    assert.equal(migrateConfig(m.yaml, "again").yaml, m.yaml);
  });
}

Deno.test("config migrate of v1beta2 keeps everything but the hyperkube image, which v1beta4 cannot hold", () => {
  const text = readData("full-v1beta2.yaml");
  const m = migrateConfig(text, "full-v1beta2.yaml");
  assert.match(
    m.warnings.join("\n"),
    /unifiedControlPlaneImage k8s.gcr.io\/hyperkube:v1.20.2 cannot be stored/,
  );
  assert.deepStrictEqual(load(m.yaml).cfg, withCluster(load(text).cfg, { unifiedControlPlaneImage: "" }));
});

Deno.test("config migrate leaves host facts unset", () => {
  const m = migrateConfig(
    "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.3\n",
    "c.yaml",
  );
  assert.doesNotMatch(m.yaml, /advertiseAddress|name:|token:/);
  assert.match(m.yaml, /bootstrapTokens:\n- groups:/);
});

Deno.test("images list for v1.20 matches kubeadm v1.20.2", () => {
  assert.deepStrictEqual(imagesFor(referenceConfig()), [
    "k8s.gcr.io/kube-apiserver:v1.20.2",
    "k8s.gcr.io/kube-controller-manager:v1.20.2",
    "k8s.gcr.io/kube-scheduler:v1.20.2",
    "k8s.gcr.io/kube-proxy:v1.20.2",
    "k8s.gcr.io/pause:3.2",
    "k8s.gcr.io/etcd:3.4.13-0",
    "k8s.gcr.io/coredns:1.7.0",
  ]);
});

Deno.test("images list for v1.34 uses registry.k8s.io and the coredns/coredns path", () => {
  assert.deepStrictEqual(imagesFor(referenceConfig("v1.34.0")), [
    "registry.k8s.io/kube-apiserver:v1.34.0",
    "registry.k8s.io/kube-controller-manager:v1.34.0",
    "registry.k8s.io/kube-scheduler:v1.34.0",
    "registry.k8s.io/kube-proxy:v1.34.0",
    "registry.k8s.io/pause:3.10.1",
    "registry.k8s.io/etcd:3.6.4-0",
    "registry.k8s.io/coredns/coredns:v1.12.1",
  ]);
});

Deno.test("images honour custom, CI, unified, etcd and DNS overrides", () => {
  const custom = loadInitConfig({
    flags: { imageRepository: "example.com/k", kubernetesVersion: "v1.34.0" },
    host: testHost,
  }).cfg;
  assert.equal(imagesFor(custom).at(-1), "example.com/k/coredns:v1.12.1");
  const ci = loadInitConfig({ flags: { kubernetesVersion: "ci/v1.34.0-alpha.1+abc" }, host: testHost }).cfg;
  assert.equal(imagesFor(ci)[0], "gcr.io/k8s-staging-ci-images/kube-apiserver:v1.34.0-alpha.1_abc");
  assert.equal(imagesFor(ci)[4], "registry.k8s.io/pause:3.10.1");
  const v2 = load(readData("full-v1beta2.yaml")).cfg;
  assert.deepStrictEqual(imagesFor(v2), [
    "k8s.gcr.io/hyperkube:v1.20.2",
    "k8s.gcr.io/pause:3.2",
    "registry.example.com/dns/coredns:1.8.0",
  ]);
  const v4 = load(readData("full-v1beta4.yaml")).cfg;
  assert.deepStrictEqual(imagesFor(v4).slice(3), [
    "registry.example.com/k8s/pause:3.10.1",
    "registry.example.com/etcd/etcd:3.6.5-0",
    "registry.example.com/k8s/coredns:v1.12.2",
  ]);
});

Deno.test("every supported minor loads, lists 7 images and renders its stored format", () => {
  for (let minor = 20; minor <= 34; minor++) {
    const r = loadInitConfig({ flags: { kubernetesVersion: `stable-1.${minor}` }, host: testHost });
    const images = imagesFor(r.cfg);
    assert.equal(images.length, 7, `v1.${minor}`);
    if (minor >= 21) assert.match(images[6]!, /\/coredns\/coredns:v/);
    const api = minor <= 21 ? "v1beta2" : minor <= 30 ? "v1beta3" : "v1beta4";
    assert.match(
      renderStoredClusterConfiguration(r.cfg, api).yaml,
      new RegExp(`kubernetesVersion: v1.${minor}.`),
    );
  }
});
