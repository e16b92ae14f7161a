import assert from "node:assert/strict";
import { loadInitConfig } from "../lib/config/load.ts";
import { referenceConfig } from "./support/context.ts";
import { FLAG_TOKEN_DESCRIPTION } from "../lib/config/draft.ts";
import { DEFAULT_KUBERNETES_VERSION, minorInfo } from "../lib/versions.ts";
import { load, readData, REFERENCE_INPUT, refusal, testHost } from "./config_support.ts";

const reference = Deno.readTextFileSync(REFERENCE_INPUT);

Deno.test("the reference input loads into the reference model", () => {
  const r = load(reference);
  assert.deepStrictEqual(r.cfg, referenceConfig());
  assert.deepStrictEqual(r.warnings, []);
  assert.deepStrictEqual(r.options, {
    dryRun: false,
    uploadCerts: false,
    skipTokenPrint: false,
    skipCertificateKeyPrint: false,
  });
});

for (const name of ["reference-v1alpha1.yaml", "reference-v1beta3.yaml", "reference-v1beta4.yaml"]) {
  Deno.test(`the reference cluster written as ${name} gives the same model`, () => {
    assert.deepStrictEqual(load(readData(name)).cfg, referenceConfig());
  });
}

Deno.test("the reference cluster given as flags gives the same model, with kubeadm's flag token description", () => {
  const r = loadInitConfig({
    flags: {
      apiserverAdvertiseAddress: "10.0.0.10",
      apiserverBindPort: 6443,
      nodeName: "master-1",
      criSocket: "/run/containerd/containerd.sock",
      token: "abcdef.0123456789abcdef",
      kubernetesVersion: "v1.20.2",
      podNetworkCidr: "10.244.0.0/16",
    },
    host: testHost,
  });
  const want = referenceConfig();
  assert.deepStrictEqual(r.cfg, {
    ...want,
    bootstrapTokens: [{ ...want.bootstrapTokens[0]!, description: FLAG_TOKEN_DESCRIPTION }],
  });
});

Deno.test("unset host facts come from the injected host: lower-cased name, address, generated token", () => {
  const r = loadInitConfig({ host: testHost });
  assert.equal(r.cfg.nodeRegistration.name, "reference-host");
  assert.equal(r.cfg.localAPIEndpoint.advertiseAddress, "10.0.0.99");
  assert.equal(r.cfg.bootstrapTokens[0]!.token, "zzzzzz.zzzzzzzzzzzzzzzz");
  assert.equal(r.cfg.cluster.kubernetesVersion, DEFAULT_KUBERNETES_VERSION);
  assert.equal(r.cfg.cluster.imageRepository, "registry.k8s.io");
});

Deno.test("version labels resolve without the network", () => {
  const v = (kubernetesVersion: string) =>
    loadInitConfig({ flags: { kubernetesVersion }, host: testHost }).cfg.cluster;
  for (const l of ["stable", "stable-1", "latest", ""]) {
    assert.equal(v(l).kubernetesVersion, DEFAULT_KUBERNETES_VERSION);
  }
  assert.equal(v("stable-1.20").kubernetesVersion, minorInfo(20).latestPatch);
  assert.equal(v("1.20.2").kubernetesVersion, "v1.20.2");
  const ci = v("ci/v1.34.0-alpha.1.28+a16df75344c603");
  assert.equal(ci.kubernetesVersion, "v1.34.0-alpha.1.28+a16df75344c603");
  assert.equal(ci.ciImageRepository, "gcr.io/k8s-staging-ci-images");
  assert.equal(v("ci/v1.20.2-rc.0").ciImageRepository, "gcr.io/kubernetes-ci-images");
});

Deno.test("unsupported versions and network-only labels are refused with a hint", () => {
  const m = (kubernetesVersion: string) =>
    refusal(() => loadInitConfig({ flags: { kubernetesVersion }, host: testHost }));
  assert.match(
    m("v1.19.5"),
    /^Invalid value for --kubernetes-version: "v1.19.5" is older than kadm supports; set kubernetesVersion to a version in v1.20..v1.34/,
  );
  assert.match(m("v1.35.0"), /newer than kadm knows/);
  assert.match(m("ci/latest"), /needs a network look-up/);
  assert.match(m("banana"), /is not a Kubernetes version or label/);
  assert.match(m("stable-1.12"), /older than kadm supports/);
});

Deno.test("a full v1beta4 file fills every model field", () => {
  const r = load(readData("full-v1beta4.yaml"));
  const c = r.cfg.cluster;
  assert.equal(c.kubernetesVersion, "v1.34.1");
  assert.equal(c.imageRepository, "registry.example.com/k8s");
  assert.equal(c.imageRepositoryIsCustom, true);
  assert.deepStrictEqual(c.apiServer.extraEnvs, [{ name: "GOMAXPROCS", value: "4" }]);
  assert.deepStrictEqual(c.apiServer.extraVolumes, [{
    name: "audit",
    hostPath: "/var/log",
    mountPath: "/var/log",
    readOnly: false,
    pathType: "DirectoryOrCreate",
  }]);
  assert.deepStrictEqual(r.cfg.nodeRegistration.kubeletExtraArgs, [{ name: "node-labels", value: "a=b" }, {
    name: "node-labels",
    value: "c=d",
  }]);
  assert.deepStrictEqual(r.cfg.nodeRegistration.taints, []);
  assert.deepStrictEqual(r.cfg.nodeRegistration.ignorePreflightErrors, ["numcpu", "swap"]);
  assert.equal(r.cfg.nodeRegistration.imagePullSerial, false);
  assert.equal(r.cfg.bootstrapTokens[0]!.ttl, 5400);
  assert.deepStrictEqual(r.cfg.bootstrapTokens[0]!.usages, ["signing"]);
  assert.equal(r.cfg.bootstrapTokens[1]!.expires, "2030-01-02T03:04:05Z");
  assert.deepStrictEqual(r.cfg.bootstrapTokens[1]!.groups, [
    "system:bootstrappers:kubeadm:default-node-token",
  ]);
  assert.equal(c.timeouts.controlPlaneComponentHealthCheck, 300);
  assert.equal(c.certificateValidityPeriod, 4380 * 3600);
  assert.equal(c.encryptionAlgorithm, "ECDSA-P256");
  assert.equal(c.proxy.disabled, true);
  assert.equal(c.etcd.local?.imageTag, "3.6.5-0");
  assert.deepStrictEqual(r.cfg.skipPhases, ["addon/kube-proxy"]);
  assert.equal(r.cfg.patchesDirectory, "/etc/kadm/patches");
  assert.deepStrictEqual(r.cfg.kubeletConfiguration, {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    cgroupDriver: "systemd",
  });
  assert.equal(r.cfg.kubeProxyConfiguration?.mode, "ipvs");
  assert.equal(r.options.dryRun, true);
  assert.deepStrictEqual(r.warnings, [
    "Ignoring the kubeadm.k8s.io/v1beta4 JoinConfiguration document in test.yaml (line 98): kadm init reads only Init/ClusterConfiguration",
  ]);
});

Deno.test("a full v1beta2 file maps hyperkube, the ECDSA gate, maps of args and external etcd", () => {
  const r = load(readData("full-v1beta2.yaml"));
  const c = r.cfg.cluster;
  assert.equal(c.unifiedControlPlaneImage, "k8s.gcr.io/hyperkube:v1.20.2");
  assert.equal(c.encryptionAlgorithm, "ECDSA-P256");
  assert.deepStrictEqual(c.apiServer.extraArgs, [{ name: "audit-log-maxage", value: "30" }, {
    name: "authorization-mode",
    value: "Node,RBAC,Webhook",
  }]);
  assert.deepStrictEqual(r.cfg.nodeRegistration.kubeletExtraArgs, [{
    name: "cgroup-driver",
    value: "systemd",
  }, { name: "v", value: "2" }]);
  assert.equal(c.timeouts.controlPlaneComponentHealthCheck, 600);
  assert.equal(r.cfg.bootstrapTokens[0]!.ttl, 0);
  assert.deepStrictEqual(r.cfg.nodeRegistration.taints, [{
    key: "dedicated",
    value: "cp",
    effect: "NoExecute",
  }]);
  assert.deepStrictEqual(c.etcd.external?.endpoints, ["https://10.0.0.2:2379"]);
  assert.equal(c.dns.imageRepository, "registry.example.com/dns");
});

Deno.test("kubeadm's v1.9.6 dump is refused for its version, and loads once the version is supported", () => {
  const old = readData("kubeadm196.yaml");
  assert.match(
    refusal(() => load(old)),
    /kubernetesVersion \(line 56\): "v1.9.6" is older than kadm supports/,
  );
  const r = load(old.replace("v1.9.6", "v1.20.2"));
  const c = r.cfg.cluster;
  assert.equal(c.imageRepository, "k8s.gcr.io");
  assert.equal(c.imageRepositoryIsCustom, false);
  assert.equal(c.cloudProvider, "aws");
  assert.deepStrictEqual(c.apiServer.extraArgs, []);
  assert.equal(r.cfg.nodeRegistration.name, "ip-172-31-93-180.ec2.internal");
  assert.equal(r.cfg.bootstrapTokens[0]!.token, "8d69af.cd3e1c58f6228dfc");
  assert.equal(r.cfg.kubeProxyConfiguration?.kind, "KubeProxyConfiguration");
  assert.equal(r.cfg.kubeletConfiguration, undefined);
  assert.equal(r.warnings.length, 2);
});

Deno.test("v1alpha1 authorizationModes, noTaintMaster, volumes and etcd.image map onto today's fields", () => {
  const r = load(`apiVersion: kubeadm.k8s.io/v1alpha1
kind: MasterConfiguration
kubernetesVersion: v1.34.2
api: {advertiseAddress: 10.0.0.10}
nodeName: n1
token: abcdef.0123456789abcdef
authorizationModes: [Node, RBAC, Webhook]
noTaintMaster: true
apiServerExtraVolumes: [{name: a, hostPath: /a, mountPath: /a, writable: true}]
schedulerExtraVolumes: [{name: b, hostPath: /b, mountPath: /b}]
etcd: {image: "quay.io/coreos/etcd:v3.6.4"}
imageRepository: k8s.gcr.io
imagePullPolicy: Never
unifiedControlPlaneImage: example.com/all:v1
clusterName: c2
featureGates: {CoreDNS: true}
kubeletConfiguration: {baseConfig: {cgroupDriver: systemd}}
auditPolicy: {logDir: /var/log/kubernetes/audit, logMaxAge: 2, path: ""}
`);
  const c = r.cfg.cluster;
  assert.deepStrictEqual(c.apiServer.extraArgs, [{ name: "authorization-mode", value: "Node,RBAC,Webhook" }]);
  assert.deepStrictEqual(r.cfg.nodeRegistration.taints, []);
  assert.equal(c.apiServer.extraVolumes[0]!.readOnly, false);
  assert.equal(c.scheduler.extraVolumes[0]!.readOnly, true);
  assert.deepStrictEqual([c.etcd.local?.imageRepository, c.etcd.local?.imageTag], [
    "quay.io/coreos",
    "v3.6.4",
  ]);
  assert.equal(c.imageRepository, "registry.k8s.io");
  assert.equal(r.cfg.nodeRegistration.imagePullPolicy, "Never");
  assert.equal(c.unifiedControlPlaneImage, "example.com/all:v1");
  assert.equal(c.clusterName, "c2");
  assert.deepStrictEqual(c.featureGates, {});
  assert.equal(r.cfg.kubeletConfiguration?.cgroupDriver, "systemd");
  assert.match(r.warnings[0]!, /k8s.gcr.io is frozen; using registry.k8s.io/);
});

Deno.test("flags beside --config: only kubeadm's allowed ones, which then apply on top", () => {
  const r = load(reference, {
    nodeName: "other",
    ignorePreflightErrors: ["Swap"],
    skipPreflightChecks: false,
    skipPhases: ["addon/coredns"],
    dryRun: true,
    uploadCerts: true,
    skipTokenPrint: true,
  });
  assert.equal(r.cfg.nodeRegistration.name, "other");
  assert.deepStrictEqual(r.cfg.nodeRegistration.ignorePreflightErrors, ["swap"]);
  assert.deepStrictEqual(r.cfg.skipPhases, ["addon/coredns"]);
  assert.deepStrictEqual(r.options, {
    dryRun: true,
    uploadCerts: true,
    skipTokenPrint: true,
    skipCertificateKeyPrint: false,
  });
  const msg = refusal(() =>
    load(reference, {
      podNetworkCidr: "10.0.0.0/16",
      kubernetesVersion: "v1.20.2",
      criSocket: "x",
      patches: "/p",
    })
  );
  assert.equal(
    msg,
    "Can not mix '--config' with arguments [cri-socket kubernetes-version patches pod-network-cidr]: set them in the config file instead",
  );
});

Deno.test("--skip-preflight-checks is ignore-preflight-errors=all with a deprecation warning", () => {
  const r = loadInitConfig({ flags: { skipPreflightChecks: true }, host: testHost });
  assert.deepStrictEqual(r.cfg.nodeRegistration.ignorePreflightErrors, ["all"]);
  assert.match(r.warnings[0]!, /--skip-preflight-checks is deprecated/);
});

Deno.test("all flags map onto the model", () => {
  const r = loadInitConfig({
    flags: {
      apiserverAdvertiseAddress: "fd00::10",
      apiserverBindPort: "7443",
      apiserverCertExtraSans: ["a.example.com,10.1.1.1"],
      certDir: "/pki",
      controlPlaneEndpoint: "[fd00::1]:6443",
      featureGates: "PublicKeysECDSA=true",
      imageRepository: "example.com/k",
      serviceCidr: "fd00:96::/112",
      podNetworkCidr: "fd00:244::/56",
      serviceDnsDomain: "k.local",
      tokenTtl: "2h",
      certificateKey: "a".repeat(64),
      patches: "/patches",
      skipCertificateKeyPrint: true,
    },
    host: testHost,
  });
  const c = r.cfg.cluster;
  assert.deepStrictEqual(r.cfg.localAPIEndpoint, { advertiseAddress: "fd00::10", bindPort: 7443 });
  assert.deepStrictEqual(c.apiServer.certSANs, ["a.example.com", "10.1.1.1"]);
  assert.equal(c.certificatesDir, "/pki");
  assert.equal(c.encryptionAlgorithm, "ECDSA-P256");
  assert.equal(c.networking.dnsDomain, "k.local");
  assert.equal(r.cfg.bootstrapTokens[0]!.ttl, 7200);
  assert.equal(r.cfg.patchesDirectory, "/patches");
  assert.equal(r.options.skipCertificateKeyPrint, true);
});

Deno.test("from v1.31 skipping the addon phases disables the addons, as kubeadm does", () => {
  const on = (kubernetesVersion: string) =>
    loadInitConfig({ flags: { kubernetesVersion, skipPhases: ["addon/coredns"] }, host: testHost }).cfg
      .cluster;
  assert.equal(on("v1.34.0").dns.disabled, true);
  assert.equal(on("v1.34.0").proxy.disabled, false);
  assert.equal(on("v1.20.2").dns.disabled, false);
});
