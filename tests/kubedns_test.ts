/**
 * kube-dns instead of CoreDNS (kubeadm up to v1.20): the objects, the config forms that ask for it
 * (v1beta2 `dns.type: kube-dns`, v1alpha1 `featureGates: {CoreDNS: false}`), the clear refusal from
 * v1.21, `config images list` and a dry run that creates the kube-dns Deployment.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertNotMatch } from "./_std.ts";
import { referenceConfig, withCluster } from "./support/context.ts";
import { load, readData, REFERENCE_INPUT, refusal } from "./config_support.ts";
import { minorInfo } from "../lib/versions.ts";
import { imageList } from "../lib/images.ts";
import { kubeDnsObjects, type KubeObject } from "../lib/objects/mod.ts";
import type { InitConfig } from "../lib/model.ts";
import { kadmSubprocess as kadm } from "./support/e2e.ts";

const KUBE_DNS_IMAGES = [
  "k8s.gcr.io/k8s-dns-kube-dns:1.14.13",
  "k8s.gcr.io/k8s-dns-sidecar:1.14.13",
  "k8s.gcr.io/k8s-dns-dnsmasq-nanny:1.14.13",
];

function kubeDnsConfig(): InitConfig {
  const cfg = referenceConfig();
  return withCluster(cfg, { dns: { ...cfg.cluster.dns, type: "kube-dns" } });
}

interface Container {
  name: string;
  image: string;
  args: string[];
  ports: { containerPort: number; name: string; protocol: string }[];
  livenessProbe: { httpGet: { path: string; port: number } };
}

function podSpec(d: KubeObject): { containers: Container[]; [k: string]: unknown } {
  return (d.spec as { template: { spec: { containers: Container[] } } }).template.spec;
}

const reference = Deno.readTextFileSync(REFERENCE_INPUT);
/** The reference input with kubernetesVersion `version` and `extra` added to the ClusterConfiguration. */
function v1beta2(extra: string, version = "v1.20.2"): string {
  return reference.replace("kubernetesVersion: v1.20.2", `kubernetesVersion: ${version}\n${extra}`);
}
function v1alpha1(gates: string, version = "v1.20.2"): string {
  return readData("reference-v1alpha1.yaml").replace(
    "kubernetesVersion: v1.20.2",
    `kubernetesVersion: ${version}`,
  ) +
    `featureGates: ${gates}\n`;
}

Deno.test("the kube-dns objects for v1.20 are a ServiceAccount, a Deployment and the Service at .10", () => {
  const o = kubeDnsObjects(kubeDnsConfig(), minorInfo(20));
  const all = o.steps.flatMap((s) => s.objects);
  assertEquals(all.map((x) => `${x.kind}/${x.metadata.name}`), [
    "ServiceAccount/kube-dns",
    "Deployment/kube-dns",
    "Service/kube-dns",
  ]);
  assert(all.every((x) => x.metadata.namespace === "kube-system"));
  assertEquals(o.steps.at(-1)?.line?.split("\n").at(-1), "[addons] Applied essential addon: kube-dns");
  const svc = o.service.spec as { clusterIP: string; selector: Record<string, string> };
  assertEquals(svc.clusterIP, "10.96.0.10");
  assertEquals(svc.selector, { "k8s-app": "kube-dns" });
  assertEquals(o.service.metadata.labels?.["kubernetes.io/name"], "KubeDNS");
});

Deno.test("the kube-dns Deployment runs kubedns, dnsmasq and sidecar with kubeadm v1.20's images", () => {
  const d = kubeDnsObjects(kubeDnsConfig(), minorInfo(20)).deployment;
  assertEquals(d.metadata.labels, { "k8s-app": "kube-dns" });
  assertEquals((d.spec as { replicas: number }).replicas, 1);
  const spec = podSpec(d);
  assertEquals(spec.serviceAccountName, "kube-dns");
  assertEquals(spec.dnsPolicy, "Default");
  const [kubedns, dnsmasq, sidecar] = spec.containers;
  assertEquals(spec.containers.map((c) => c.name), ["kubedns", "dnsmasq", "sidecar"]);
  assertEquals([kubedns!.image, sidecar!.image, dnsmasq!.image], KUBE_DNS_IMAGES);
  assert(kubedns!.args.includes("--domain=cluster.local."));
  assertEquals(kubedns!.ports.map((p) => `${p.containerPort}/${p.protocol}`), [
    "10053/UDP",
    "10053/TCP",
    "10055/TCP",
  ]);
  assert(dnsmasq!.args.includes("--server=/cluster.local/127.0.0.1#10053"));
  assertEquals(dnsmasq!.ports.map((p) => `${p.name} ${p.containerPort}/${p.protocol}`), [
    "dns 53/UDP",
    "dns-tcp 53/TCP",
  ]);
  assert(
    sidecar!.args.includes("--probe=kubedns,127.0.0.1:10053,kubernetes.default.svc.cluster.local,5,SRV"),
  );
  assertEquals(spec.containers.map((c) => c.livenessProbe.httpGet.path), [
    "/healthcheck/kubedns",
    "/healthcheck/dnsmasq",
    "/metrics",
  ]);
  assertEquals(spec.volumes, [{ configMap: { name: "kube-dns", optional: true }, name: "kube-dns-config" }]);
});

// kubeadm v1.20 KubeDNSDeployment/kubeDNSAddon (manifests.go and dns.go of the v1.20-based fork
// bobsongplus/kubernetes, commits 2b671e1d and 18304d4c; CHANGELOG-1.20 adds the control-plane toleration
// to "the kubeadm CoreDNS / kube-dns managed manifests").
Deno.test("the kube-dns pod spec has kubeadm v1.20's scheduling fields and no nodeSelector or affinity", () => {
  const d = kubeDnsObjects(kubeDnsConfig(), minorInfo(20)).deployment;
  const spec = podSpec(d);
  assertEquals(Object.keys(spec).sort(), [
    "containers",
    "dnsPolicy",
    "priorityClassName",
    "serviceAccountName",
    "tolerations",
    "volumes",
  ]);
  assertEquals(spec.priorityClassName, "system-cluster-critical");
  assertEquals(spec.tolerations, [
    { key: "CriticalAddonsOnly", operator: "Exists" },
    { effect: "NoSchedule", key: "node-role.kubernetes.io/master" },
    { effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane" },
  ]);
  const dspec = d.spec as Record<string, unknown>;
  assertEquals(dspec.strategy, { rollingUpdate: { maxSurge: "10%", maxUnavailable: 0 } });
  assertEquals(dspec.selector, { matchLabels: { "k8s-app": "kube-dns" } });
});

Deno.test("the kube-dns containers carry kubeadm v1.20's resources, probes and mounts", () => {
  const [kubedns, dnsmasq, sidecar] = podSpec(kubeDnsObjects(kubeDnsConfig(), minorInfo(20)).deployment)
    .containers as unknown as Record<string, unknown>[];
  assertEquals(kubedns!.resources, {
    limits: { memory: "170Mi" },
    requests: { cpu: "100m", memory: "70Mi" },
  });
  assertEquals(dnsmasq!.resources, { requests: { cpu: "150m", memory: "20Mi" } });
  assertEquals(sidecar!.resources, { requests: { cpu: "10m", memory: "20Mi" } });
  assertEquals(kubedns!.readinessProbe, {
    httpGet: { path: "/readiness", port: 8081, scheme: "HTTP" },
    initialDelaySeconds: 3,
    timeoutSeconds: 5,
  });
  assertEquals(kubedns!.livenessProbe, {
    failureThreshold: 5,
    httpGet: { path: "/healthcheck/kubedns", port: 10054, scheme: "HTTP" },
    initialDelaySeconds: 60,
    successThreshold: 1,
    timeoutSeconds: 5,
  });
  assertEquals(kubedns!.args, [
    "--domain=cluster.local.",
    "--dns-port=10053",
    "--config-dir=/kube-dns-config",
    "--v=2",
  ]);
  assertEquals(kubedns!.env, [{ name: "PROMETHEUS_PORT", value: "10055" }]);
  assertEquals((dnsmasq!.args as string[]).slice(0, 10), [
    "-v=2",
    "-logtostderr",
    "-configDir=/etc/k8s/dns/dnsmasq-nanny",
    "-restartDnsmasq=true",
    "--",
    "-k",
    "--cache-size=1000",
    "--no-negcache",
    "--dns-loop-detect",
    "--log-facility=-",
  ]);
  assertEquals(kubedns!.volumeMounts, [{ mountPath: "/kube-dns-config", name: "kube-dns-config" }]);
  assertEquals(dnsmasq!.volumeMounts, [{ mountPath: "/etc/k8s/dns/dnsmasq-nanny", name: "kube-dns-config" }]);
  assert(!("volumeMounts" in sidecar!));
  assertEquals(sidecar!.ports, [{ containerPort: 10054, name: "metrics", protocol: "TCP" }]);
});

Deno.test("the kube-dns Service is kubeadm v1.20's shared KubeDNSService and the warning precedes the last line", () => {
  const o = kubeDnsObjects(kubeDnsConfig(), minorInfo(20));
  assertEquals(o.service.metadata.annotations, {
    "prometheus.io/port": "9153",
    "prometheus.io/scrape": "true",
  });
  assertEquals(o.service.metadata.labels, {
    "k8s-app": "kube-dns",
    "kubernetes.io/cluster-service": "true",
    "kubernetes.io/name": "KubeDNS",
  });
  assertEquals(o.service.metadata.resourceVersion, "0");
  const ports = (o.service.spec as { ports: { name: string; port: number; protocol: string }[] }).ports;
  assertEquals(ports.map((p) => `${p.name} ${p.port}/${p.protocol}`), [
    "dns 53/UDP",
    "dns-tcp 53/TCP",
    "metrics 9153/TCP",
  ]);
  assertEquals(o.steps.at(-1)?.line?.split("\n"), [
    "[addons] WARNING: kube-dns is deprecated and will not be supported in a future version",
    "[addons] Applied essential addon: kube-dns",
  ]);
  assertEquals(o.serviceAccount.metadata, {
    name: "kube-dns",
    namespace: "kube-system",
    creationTimestamp: null,
  });
});

Deno.test("the kube-dns objects follow the DNS domain, an IPv6 service subnet and the dns image overrides", () => {
  const base = kubeDnsConfig();
  const cfg = withCluster(base, {
    networking: { ...base.cluster.networking, dnsDomain: "example.org", serviceSubnet: "fd00:10::/108" },
    dns: { ...base.cluster.dns, imageRepository: "registry.example/dns", imageTag: "1.15.0" },
  });
  const o = kubeDnsObjects(cfg, minorInfo(20), 3);
  assertEquals((o.service.spec as { clusterIP: string }).clusterIP, "fd00:10::a");
  assertEquals((o.deployment.spec as { replicas: number }).replicas, 3);
  const [kubedns, dnsmasq, sidecar] = podSpec(o.deployment).containers;
  assertEquals(kubedns!.image, "registry.example/dns/k8s-dns-kube-dns:1.15.0");
  assert(kubedns!.args.includes("--domain=example.org."));
  assert(dnsmasq!.args.includes("--server=/example.org/::1#10053"));
  assert(sidecar!.args.includes("--probe=dnsmasq,[::1]:53,kubernetes.default.svc.example.org,5,SRV"));
});

Deno.test("config images list for v1.20 with kube-dns lists the three kube-dns images instead of coredns", () => {
  const list = imageList(kubeDnsConfig(), minorInfo(20));
  assertEquals(list.slice(-3), KUBE_DNS_IMAGES);
  assert(!list.some((i) => i.includes("coredns")), list.join("\n"));
  const off = kubeDnsConfig();
  const none = imageList(withCluster(off, { dns: { ...off.cluster.dns, disabled: true } }), minorInfo(20));
  assert(!none.some((i) => i.includes("dns")), none.join("\n"));
});

Deno.test("a v1beta2 config with dns.type kube-dns is accepted for v1.20", () => {
  const r = load(v1beta2("dns:\n  type: kube-dns"));
  assertEquals(r.cfg.cluster.dns.type, "kube-dns");
  assertEquals(r.cfg.cluster.kubernetesVersion, "v1.20.2");
});

Deno.test("a v1alpha1 config with the CoreDNS gate off asks for kube-dns on v1.20", () => {
  const r = load(v1alpha1("{CoreDNS: false}"));
  assertEquals(r.cfg.cluster.dns.type, "kube-dns");
  assertEquals(r.cfg.cluster.featureGates, {});
  assertEquals(load(v1alpha1("{CoreDNS: true}")).cfg.cluster.dns.type, "CoreDNS");
});

for (const version of ["v1.21.0", "v1.34.2"]) {
  Deno.test(`kube-dns is refused for ${version}, naming v1.21 and CoreDNS`, () => {
    const viaType = refusal(() => load(v1beta2("dns:\n  type: kube-dns", version)));
    assertMatch(
      viaType,
      /^Invalid value for dns\.type \(line \d+\): kube-dns support was removed in Kubernetes v1\.21/,
    );
    assertMatch(viaType, /use CoreDNS/);
    assertNotMatch(viaType, /not supported by kadm/);
    const viaGate = refusal(() => load(v1alpha1("{CoreDNS: false}", version)));
    assertMatch(
      viaGate,
      /^Invalid value for featureGates\.CoreDNS \(line \d+\): kube-dns support was removed/,
    );
    assertMatch(viaGate, /use CoreDNS/);
  });
}

Deno.test("an unknown dns.type names both supported types", () => {
  assertMatch(refusal(() => load(v1beta2("dns:\n  type: bind9"))), /"bind9" is not one of CoreDNS, kube-dns/);
});

Deno.test("init --dry-run with dns.type kube-dns creates the kube-dns Deployment and no CoreDNS", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kadm-kubedns-" });
  try {
    const file = join(dir, "kubeadm.yaml");
    await Deno.writeTextFile(file, v1beta2("dns:\n  type: kube-dns"));
    const r = await kadm(["init", "--dry-run", "--dry-run-dir", join(dir, "out"), "--config", file]);
    assertEquals(r.code, 0, r.stderr);
    const deployment = r.stdout.split(/^\[dryrun\] Would perform action /m)
      .find((b) => b.startsWith('CREATE on resource "deployments"'));
    assert(deployment, r.stdout);
    assertMatch(deployment, /^\t  name: kube-dns$/m);
    assertMatch(deployment, /^\t\s+image: k8s\.gcr\.io\/k8s-dns-dnsmasq-nanny:1\.14\.13$/m);
    assertMatch(deployment, /^\t\s+key: node-role\.kubernetes\.io\/control-plane$/m);
    assertNotMatch(deployment, /nodeSelector|affinity/);
    assertMatch(r.stdout, /^\[addons\] Applied essential addon: kube-dns$/m);
    assertNotMatch(r.stdout, /Applied essential addon: CoreDNS|name: coredns/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
