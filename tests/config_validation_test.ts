import assert from "node:assert/strict";
import { loadInitConfig } from "../lib/config/load.ts";
import { defaultAdvertiseAddress, randomToken } from "../lib/config/host_facts.ts";
import { load, readData, REFERENCE_INPUT, refusal, testHost } from "./config_support.ts";

const reference = Deno.readTextFileSync(REFERENCE_INPUT);
/** The reference input with `from` replaced by `to` (which must occur). */
function ref(from: string, to: string): string {
  assert.ok(reference.includes(from), from);
  return reference.replace(from, to);
}
const v4 = readData("reference-v1beta4.yaml");
function refV4(from: string, to: string): string {
  assert.ok(v4.includes(from), from);
  return v4.replace(from, to);
}

const cases: [string, string, RegExp][] = [
  [
    "unknown apiVersion",
    ref(
      "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration",
      "apiVersion: kubeadm.k8s.io/v9\nkind: ClusterConfiguration",
    ),
    /^Unknown apiVersion\/kind "kubeadm.k8s.io\/v9 ClusterConfiguration" in test.yaml \(line 12\)/,
  ],
  [
    "unknown kind",
    ref("kind: ClusterConfiguration", "kind: ClusterConfig"),
    /Unknown apiVersion\/kind "kubeadm.k8s.io\/v1beta2 ClusterConfig" in test.yaml \(line 12\)/,
  ],
  [
    "missing kind",
    ref("kind: ClusterConfiguration\n", ""),
    /^Missing kind in the document at test.yaml \(line 12\)/,
  ],
  [
    "unknown field",
    ref("  podSubnet:", "  podSubnett:"),
    /^Unknown field networking.podSubnett \(line 16\) in kubeadm.k8s.io\/v1beta2 ClusterConfiguration: check its spelling/,
  ],
  [
    "field in the wrong case",
    ref("  podSubnet:", "  PodSubnet:"),
    /Unknown field networking.PodSubnet \(line 16\) .*did you mean "podSubnet"\?/,
  ],
  [
    "field of a newer format",
    ref("kind: ClusterConfiguration", "kind: ClusterConfiguration\nencryptionAlgorithm: RSA-2048"),
    /Unknown field encryptionAlgorithm \(line 14\) in kubeadm.k8s.io\/v1beta2 ClusterConfiguration/,
  ],
  [
    "wrong type",
    ref("bindPort: 6443", 'bindPort: "6443"'),
    /^Invalid type for localAPIEndpoint.bindPort \(line 5\): expected an integer, got a string/,
  ],
  [
    "number where a string belongs",
    ref("kubernetesVersion: v1.20.2", "kubernetesVersion: 1.20"),
    /Invalid type for kubernetesVersion \(line 14\): expected a string, got a number; put it in quotes/,
  ],
  [
    "bad IPv4 CIDR",
    ref("10.244.0.0/16", "10.244.0.0/33"),
    /^Invalid value for networking.podSubnet \(line 16\): "10.244.0.0\/33" is not a valid CIDR/,
  ],
  [
    "bad IPv6 CIDR",
    ref("10.244.0.0/16", "fd00::zz/64"),
    /networking.podSubnet \(line 16\): "fd00::zz\/64" is not a valid CIDR/,
  ],
  [
    "dual-stack without the v1.20 gate",
    ref("10.244.0.0/16", "10.244.0.0/16,fd00::/56"),
    /networking.podSubnet \(line 16\): .* only one is allowed without the IPv6DualStack feature gate/,
  ],
  [
    "two CIDRs of one family",
    refV4("10.244.0.0/16", "10.244.0.0/16,10.245.0.0/16").replace("v1.20.2", "v1.30.0"),
    /networking.podSubnet \(line 16\): .* must be one CIDR, or one IPv4 and one IPv6 CIDR/,
  ],
  [
    "service subnet too small",
    ref("networking:", "networking:\n  serviceSubnet: 10.96.0.0/29"),
    /^Invalid value for networking.serviceSubnet \(line 16\): "10.96.0.0\/29" is too small: it must hold at least 10 addresses/,
  ],
  [
    "service subnet too large",
    ref("networking:", "networking:\n  serviceSubnet: 10.0.0.0/8"),
    /networking.serviceSubnet \(line 16\): "10.0.0.0\/8" is too large; the mask must be >= 12/,
  ],
  [
    "pod subnet overlapping services",
    ref("10.244.0.0/16", "10.96.0.0/16"),
    /networking.podSubnet \(line 16\): "10.96.0.0\/16" overlaps the service subnet 10.96.0.0\/12/,
  ],
  [
    "pod subnet smaller than a node's",
    ref("10.244.0.0/16", "10.244.0.0/25"),
    /networking.podSubnet \(line 16\): .*is smaller than the node subnet/,
  ],
  [
    "bad advertise address",
    ref("advertiseAddress: 10.0.0.10", "advertiseAddress: 10.0.0.300"),
    /^Invalid value for localAPIEndpoint.advertiseAddress \(line 4\): "10.0.0.300" is not a valid IP address/,
  ],
  [
    "unspecified advertise address",
    ref("advertiseAddress: 10.0.0.10", "advertiseAddress: 0.0.0.0"),
    /localAPIEndpoint.advertiseAddress \(line 4\): "0.0.0.0" cannot be used/,
  ],
  [
    "bad port",
    ref("bindPort: 6443", "bindPort: 70000"),
    /^Invalid value for localAPIEndpoint.bindPort \(line 5\): 70000 is not a valid port: use 1-65535/,
  ],
  [
    "bad token",
    ref("abcdef.0123456789abcdef", "ABCDEF.0123456789abcdef"),
    /^Invalid value for bootstrapTokens\[0\].token \(line 10\): "ABCDEF.0123456789abcdef" is not a valid bootstrap token/,
  ],
  [
    "bad duration",
    ref("- token: abcdef.0123456789abcdef", "- token: abcdef.0123456789abcdef\n  ttl: 24hours"),
    /^Invalid value for bootstrapTokens\[0\].ttl \(line 11\): "24hours" is not a duration; use Go syntax such as 24h0m0s/,
  ],
  [
    "unknown feature gate",
    ref(
      "kind: ClusterConfiguration",
      "kind: ClusterConfiguration\nfeatureGates:\n  NodeLocalCRISocket: true",
    ),
    /^Invalid value for featureGates.NodeLocalCRISocket \(line 15\): unknown feature gate "NodeLocalCRISocket" for Kubernetes v1.20 \(known: IPv6DualStack, PublicKeysECDSA\)/,
  ],
  [
    "unsupported version",
    ref("v1.20.2", "v1.19.0"),
    /^Invalid value for kubernetesVersion \(line 14\): "v1.19.0" is older than kadm supports/,
  ],
  [
    "too new a version",
    ref("v1.20.2", "v1.99.0"),
    /kubernetesVersion \(line 14\): "v1.99.0" is newer than kadm knows/,
  ],
  [
    "bad encryption algorithm",
    refV4("kind: ClusterConfiguration", "kind: ClusterConfiguration\nencryptionAlgorithm: RSA-1024"),
    /^Invalid value for encryptionAlgorithm \(line 14\): "RSA-1024" is not one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384/,
  ],
  [
    "bad taint effect",
    ref(
      "  criSocket: /run/containerd/containerd.sock",
      "  criSocket: /run/containerd/containerd.sock\n  taints:\n  - key: a\n    effect: NoWay",
    ),
    /^Invalid value for nodeRegistration.taints\[0\].effect \(line 11\): "NoWay" is not one of NoSchedule, PreferNoSchedule, NoExecute/,
  ],
  [
    "bad node name",
    ref("name: master-1", "name: Master_1"),
    /^Invalid value for nodeRegistration.name \(line 7\): "Master_1" is not a valid node name/,
  ],
  [
    "all mixed with named checks",
    ref("  criSocket:", "  ignorePreflightErrors: [all, Swap]\n  criSocket:"),
    /^Invalid value for nodeRegistration.ignorePreflightErrors \(line 8\): don't specify individual checks \(swap\) if 'all' is used/,
  ],
  [
    "YAML syntax error",
    ref("  podSubnet: 10.244.0.0/16", "  podSubnet: [10.244.0.0/16"),
    /^Invalid YAML in test.yaml \(line 1[67]\): /,
  ],
  [
    "duplicate key",
    ref("  bindPort: 6443", "  bindPort: 6443\n  bindPort: 6444"),
    /^Invalid YAML in test.yaml \(line 6\): Map keys must be unique/,
  ],
  [
    "bad SAN",
    ref("kind: ClusterConfiguration", 'kind: ClusterConfiguration\napiServer:\n  certSANs: ["bad name"]'),
    /^Invalid value for apiServer.certSANs \(line 15\): "bad name" is not a valid IP address, DNS name or wildcard DNS name/,
  ],
  [
    "bad control plane endpoint",
    ref(
      "kind: ClusterConfiguration",
      "kind: ClusterConfiguration\ncontrolPlaneEndpoint: cp.example.com:99999",
    ),
    /^Invalid value for controlPlaneEndpoint \(line 14\): "cp.example.com:99999" is not host\[:port\]/,
  ],
  [
    "relative certificates dir",
    ref("kind: ClusterConfiguration", "kind: ClusterConfiguration\ncertificatesDir: pki"),
    /^Invalid value for certificatesDir \(line 14\): "pki" is not an absolute path/,
  ],
  [
    "bad certificate key",
    ref("bootstrapTokens:", "certificateKey: xyz\nbootstrapTokens:"),
    /^Invalid value for certificateKey \(line 9\): "xyz" is not a certificate key/,
  ],
  [
    "both etcd kinds",
    ref(
      "kind: ClusterConfiguration",
      "kind: ClusterConfiguration\netcd:\n  local: {dataDir: /e}\n  external: {endpoints: [http://e:2379]}",
    ),
    /^Invalid value for etcd \(line 14\): etcd.local and etcd.external are mutually exclusive/,
  ],
  [
    "an old-era feature gate kadm does not build",
    ref("kind: ClusterConfiguration", "kind: ClusterConfiguration\nfeatureGates: {HighAvailability: true}"),
    /^Feature gate HighAvailability=true in featureGates.HighAvailability \(line 14\) is not supported by kadm/,
  ],
  [
    "StoreCertsInSecrets without SelfHosting",
    ref(
      "kind: ClusterConfiguration",
      "kind: ClusterConfiguration\nfeatureGates: {StoreCertsInSecrets: true}",
    ),
    /^Invalid value for featureGates.StoreCertsInSecrets \(line 14\): StoreCertsInSecrets=true needs SelfHosting=true/,
  ],
  [
    "CoreDNS switched off for v1.21",
    ref("kind: ClusterConfiguration", "kind: ClusterConfiguration\nfeatureGates: {CoreDNS: false}")
      .replace("v1.20.2", "v1.21.0"),
    /^Invalid value for featureGates.CoreDNS \(line 14\): kube-dns support was removed in Kubernetes v1.21/,
  ],
  [
    "kube-dns for v1.21",
    ref("kind: ClusterConfiguration", "kind: ClusterConfiguration\ndns: {type: kube-dns}").replace(
      "v1.20.2",
      "v1.21.0",
    ),
    /^Invalid value for dns.type \(line 14\): kube-dns support was removed in Kubernetes v1.21.*use CoreDNS/,
  ],
  [
    "v1alpha1 self-hosted etcd",
    readData("reference-v1alpha1.yaml") + "etcd:\n  selfHosted: {etcdVersion: 3.1.10}\n",
    /^Self-hosted etcd \(etcd.selfHosted \(line 13\)\) is not supported by kadm \(an old kubeadm v1.9\/v1.10 feature\); remove it$/,
  ],
  [
    "v1alpha1 arch-suffixed etcd image",
    readData("reference-v1alpha1.yaml") + "etcd:\n  image: k8s.gcr.io/etcd-amd64:3.1.12\n",
    /^Invalid value for etcd.image \(line 13\): "k8s.gcr.io\/etcd-amd64:3.1.12" must be <registry>\/etcd:<tag>/,
  ],
  [
    "v1alpha1 unknown field",
    readData("reference-v1alpha1.yaml") + "apiServerExtraArg: {}\n",
    /^Unknown field apiServerExtraArg \(line 12\) in kubeadm.k8s.io\/v1alpha1 MasterConfiguration/,
  ],
  [
    "no kubeadm document",
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
    /^No InitConfiguration, ClusterConfiguration or MasterConfiguration document found in test.yaml/,
  ],
  [
    "a v1beta4 env from a secret",
    refV4(
      "kind: ClusterConfiguration",
      "kind: ClusterConfiguration\napiServer:\n  extraEnvs: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}]",
    ),
    /^Unsupported field apiServer.extraEnvs\[0\].valueFrom \(line 15\): kadm takes only literal values/,
  ],
];

for (const [what, text, want] of cases) {
  Deno.test(`a config with ${what} is refused with a message naming the field`, () => {
    assert.match(refusal(() => load(text)), want);
  });
}

Deno.test("a CoreDNS=true gate is simply today's default", () => {
  const r = load(
    ref("kind: ClusterConfiguration", "kind: ClusterConfiguration\nfeatureGates: {CoreDNS: true}"),
  );
  assert.deepStrictEqual(r.cfg.cluster.featureGates, {});
});

Deno.test("every problem is reported at once, one self-contained line each", () => {
  const text = ref("10.244.0.0/16", "10.244.0.0/33").replace("name: master-1", "name: Master_1").replace(
    "bindPort: 6443",
    "bindPort: 0\n  extra: 1",
  );
  const lines = refusal(() => load(text)).split("\n");
  assert.equal(lines.length, 3, lines.join("\n"));
  assert.match(lines[0]!, /^Unknown field localAPIEndpoint.extra \(line 6\)/);
  assert.ok(lines.some((l) => /^Invalid value for networking.podSubnet \(line 17\)/.test(l)));
  assert.ok(lines.some((l) => /^Invalid value for nodeRegistration.name \(line 8\)/.test(l)));
});

Deno.test("bad flags are refused naming the flag", () => {
  const m = (flags: Parameters<typeof loadInitConfig>[0]["flags"]) =>
    refusal(() => loadInitConfig({ flags, host: testHost }));
  assert.match(
    m({ podNetworkCidr: "10.0.0.0/99" }),
    /^Invalid value for --pod-network-cidr: "10.0.0.0\/99" is not a valid CIDR/,
  );
  assert.match(
    m({ apiserverBindPort: "http" }),
    /^Invalid value for --apiserver-bind-port: "http" is not a port number/,
  );
  assert.match(
    m({ apiserverBindPort: 0 }),
    /^Invalid value for --apiserver-bind-port: 0 is not a valid port/,
  );
  assert.match(m({ token: "short" }), /^Invalid value for --token: "short" is not a valid bootstrap token/);
  assert.match(m({ tokenTtl: "forever" }), /^Invalid value for --token-ttl: "forever" is not a duration/);
  assert.match(
    m({ featureGates: "PublicKeysECDSA=maybe" }),
    /^Invalid value for --feature-gates: "PublicKeysECDSA=maybe" must be Name=true or Name=false/,
  );
  assert.match(
    m({ featureGates: "Nope=true" }),
    /^Invalid value for --feature-gates: unknown feature gate "Nope"/,
  );
  assert.match(
    m({ ignorePreflightErrors: ["all", "Swap"] }),
    /^Invalid value for --ignore-preflight-errors: don't specify individual checks/,
  );
  assert.match(m({ nodeName: "UPPER" }), /^Invalid value for --node-name: "UPPER"/);
  assert.match(
    m({ apiserverAdvertiseAddress: "::g" }),
    /^Invalid value for --apiserver-advertise-address: "::g" is not a valid IP address/,
  );
  assert.match(
    m({ serviceDnsDomain: "Bad_Domain" }),
    /^Invalid value for --service-dns-domain: "Bad_Domain"/,
  );
});

Deno.test("a host without a default route asks for an explicit advertise address", () => {
  const host = { ...testHost, advertiseAddress: () => defaultAdvertiseAddress("Iface\tDestination\n", []) };
  assert.match(
    refusal(() => loadInitConfig({ host })),
    /^Cannot choose an advertise address: .*set --apiserver-advertise-address or localAPIEndpoint.advertiseAddress$/,
  );
});

Deno.test("the advertise address is the IPv4 of the default-route interface", () => {
  const routes = [
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
    "eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0",
    "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0",
    "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0",
  ].join("\n");
  const ifaces = [
    { name: "eth0", family: "IPv6" as const, address: "fe80::1" },
    { name: "eth0", family: "IPv4" as const, address: "10.0.0.10" },
    { name: "eth1", family: "IPv4" as const, address: "192.168.1.5" },
  ];
  assert.equal(defaultAdvertiseAddress(routes, ifaces), "10.0.0.10");
});

Deno.test("generated tokens match the bootstrap token format", () => {
  for (let i = 0; i < 50; i++) assert.match(randomToken(), /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
});
