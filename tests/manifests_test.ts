/**
 * Static Pod manifests and kubelet files: v1.20 equal to what kubeadm v1.20.2 wrote
 * (../shared/reference/kubeadm-v1.20.2/files), v1.34 equal to reviewed golden files
 * (regenerate with UPDATE_GOLDEN=1 and review the diff), and the per-version rules.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "./_std.ts";
import { renderControlPlanePods } from "../lib/manifests/controlplane.ts";
import { renderEtcdPod } from "../lib/manifests/etcd.ts";
import { renderInstanceConfig, renderKubeletFlagsEnv } from "../lib/kubelet.ts";
import { kubeletConfigYaml } from "../phases/patches.ts";
import { testKeySource } from "./support/keys.ts";
import { toKubeYaml } from "../lib/yaml.ts";
import { minorInfo, MINORS } from "../lib/versions.ts";
import type { InitConfig } from "../lib/model.ts";
import { referenceConfig, testContext, withCluster } from "./support/context.ts";

const REF = new URL("../../shared/reference/kubeadm-v1.20.2/files/", import.meta.url);
const GOLDEN = new URL("./testdata/golden/", import.meta.url);
const DEBIAN_CA_DIRS = new Set([
  "/etc/ca-certificates",
  "/usr/local/share/ca-certificates",
  "/usr/share/ca-certificates",
]);
const HOST = { hostname: "reference-host", systemdResolved: false };

function renderAll(cfg: InitConfig): Record<string, string> {
  const v = Number(cfg.cluster.kubernetesVersion.split(".")[1]);
  const info = minorInfo(v);
  const pods = renderControlPlanePods(cfg, info, {
    caDirsPresent: DEBIAN_CA_DIRS,
    proxyEnv: [],
    externalCA: false,
  });
  const out: Record<string, string> = {
    "kube-apiserver.yaml": toKubeYaml(pods["kube-apiserver"]),
    "kube-controller-manager.yaml": toKubeYaml(pods["kube-controller-manager"]),
    "kube-scheduler.yaml": toKubeYaml(pods["kube-scheduler"]),
    ...(cfg.cluster.etcd.local ? { "etcd.yaml": toKubeYaml(renderEtcdPod(cfg, info, [])) } : {}),
    // config.yaml the way kubelet-start builds it (patches, then the instance config on v1.34).
    "config.yaml": kubeletConfigYaml(
      testContext({ cfg, root: "/nonexistent", keys: testKeySource() }),
      HOST,
      renderInstanceConfig(cfg, info, cfg.nodeRegistration.criSocket),
    ),
    "kubeadm-flags.env": renderKubeletFlagsEnv(cfg, info, cfg.nodeRegistration.criSocket, HOST),
  };
  const instance = renderInstanceConfig(cfg, info, cfg.nodeRegistration.criSocket);
  if (instance !== undefined) out["instance-config.yaml"] = instance;
  return out;
}

Deno.test("v1.20 manifests and kubelet files equal kubeadm v1.20.2's byte for byte", async () => {
  for (const [name, text] of Object.entries(renderAll(referenceConfig("v1.20.2")))) {
    assertEquals(text, await Deno.readTextFile(new URL(name, REF)), name);
  }
});

Deno.test("v1.34 manifests and kubelet files equal the reviewed golden files", async () => {
  const dir = new URL("v1.34/", GOLDEN);
  const files = renderAll(referenceConfig("v1.34.7"));
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(new URL(name, dir), text);
  }
  for (const [name, text] of Object.entries(files)) {
    assertEquals(text, await Deno.readTextFile(new URL(name, dir)), name);
  }
});

Deno.test("every supported minor renders all four static Pods with its own image tags", () => {
  for (const info of MINORS) {
    const version = info.latestPatch;
    const files = renderAll(referenceConfig(version));
    assertMatch(files["kube-apiserver.yaml"]!, new RegExp(`image: .*/kube-apiserver:${version}\n`));
    assertEquals(files["kube-apiserver.yaml"]!.includes("--insecure-port=0"), info.apiserverInsecurePortZero);
    assertEquals(files["kube-scheduler.yaml"]!.includes("--port=0"), info.componentPortZero);
    assertEquals(files["etcd.yaml"]!.includes("seccompProfile"), info.seccompRuntimeDefault);
    assertEquals(
      files["kubeadm-flags.env"]!.includes("--container-runtime-endpoint"),
      !info.nodeLocalCRISocket,
    );
  }
});

Deno.test("extraArgs replace defaults by name and stay sorted, duplicates kept in order", () => {
  const cfg = withCluster(referenceConfig(), {
    apiServer: {
      certSANs: [],
      extraVolumes: [],
      extraEnvs: [],
      extraArgs: [
        { name: "authorization-mode", value: "Node,RBAC,Webhook" },
        { name: "audit-log-path", value: "/var/log/a.log" },
        { name: "zz-repeat", value: "1" },
        { name: "zz-repeat", value: "2" },
      ],
    },
  });
  const yaml = (renderAll(cfg))["kube-apiserver.yaml"]!;
  assertMatch(yaml, /- --audit-log-path=\/var\/log\/a.log\n    - --authorization-mode=Node,RBAC,Webhook\n/);
  assertNotMatch(yaml, /--authorization-mode=Node,RBAC\n/);
  assertMatch(yaml, /--zz-repeat=1\n    - --zz-repeat=2\n/);
});

Deno.test("external etcd: no local etcd flags, its endpoints and certificate folders are used", () => {
  const cfg = withCluster(referenceConfig(), {
    etcd: {
      external: {
        endpoints: ["https://10.0.0.20:2379", "https://10.0.0.21:2379"],
        caFile: "/etc/etcd/pki/ca.crt",
        certFile: "/etc/etcd/pki/client.crt",
        keyFile: "/etc/etcd/pki/client.key",
      },
    },
  });
  const yaml = (renderAll({ ...cfg }))["kube-apiserver.yaml"]!;
  assertMatch(yaml, /--etcd-servers=https:\/\/10.0.0.20:2379,https:\/\/10.0.0.21:2379\n/);
  assertMatch(yaml, /--etcd-cafile=\/etc\/etcd\/pki\/ca.crt\n/);
  assertMatch(yaml, /name: etcd-certs-0\n/);
  assertMatch(yaml, /path: \/etc\/etcd\/pki\n/);
});

Deno.test("an IPv6 advertise address gives bracketed URLs and ::1 for local etcd", () => {
  const base = referenceConfig();
  const cfg: InitConfig = { ...base, localAPIEndpoint: { advertiseAddress: "fd00::10", bindPort: 6443 } };
  const files = renderAll(cfg);
  assertMatch(files["kube-apiserver.yaml"]!, /--etcd-servers=https:\/\/\[::1\]:2379\n/);
  assertMatch(files["kube-apiserver.yaml"]!, /advertise-address.endpoint: '?\[fd00::10\]:6443'?\n/);
  assertMatch(
    files["etcd.yaml"]!,
    /--listen-client-urls=https:\/\/\[::1\]:2379,https:\/\/\[fd00::10\]:2379\n/,
  );
  assertMatch(files["etcd.yaml"]!, /host: ::1\n/);
});

Deno.test("proxy variables of kadm's environment reach every control-plane container", () => {
  const info = minorInfo(20);
  const pods = renderControlPlanePods(referenceConfig(), info, {
    caDirsPresent: DEBIAN_CA_DIRS,
    proxyEnv: [{ name: "HTTPS_PROXY", value: "http://proxy:3128" }, {
      name: "no_proxy",
      value: "10.0.0.0/8",
    }],
    externalCA: false,
  });
  for (const pod of Object.values(pods)) {
    assertMatch(
      toKubeYaml(pod),
      /env:\n    - name: HTTPS_PROXY\n      value: http:\/\/proxy:3128\n    - name: no_proxy\n/,
    );
  }
});

Deno.test("external CA mode empties the controller-manager's signing flags", () => {
  const pods = renderControlPlanePods(referenceConfig(), minorInfo(20), {
    caDirsPresent: DEBIAN_CA_DIRS,
    proxyEnv: [],
    externalCA: true,
  });
  const yaml = toKubeYaml(pods["kube-controller-manager"]);
  assertMatch(yaml, /--cluster-signing-cert-file=\n/);
  assertMatch(yaml, /--cluster-signing-key-file=\n/);
});

Deno.test("kubeadm-flags.env: hostname-override only when the node name differs, extra args override", () => {
  const cfg = referenceConfig();
  const info = minorInfo(20);
  const same = renderKubeletFlagsEnv(cfg, info, "/run/containerd/containerd.sock", {
    ...HOST,
    hostname: "master-1",
  });
  assertNotMatch(same, /hostname-override/);
  const docker = renderKubeletFlagsEnv(cfg, info, "/var/run/dockershim.sock", HOST);
  assertEquals(
    docker,
    'KUBELET_KUBEADM_ARGS="--hostname-override=master-1 --network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.2"\n',
  );
  const extra: InitConfig = {
    ...cfg,
    nodeRegistration: {
      ...cfg.nodeRegistration,
      kubeletExtraArgs: [{ name: "hostname-override", value: "x" }],
    },
  };
  assertMatch(
    renderKubeletFlagsEnv(extra, info, "/run/containerd/containerd.sock", HOST),
    /--hostname-override=x"/,
  );
});

Deno.test("the user's KubeletConfiguration is merged under kubeadm's defaults", () => {
  const cfg: InitConfig = {
    ...referenceConfig("v1.34.7"),
    kubeletConfiguration: {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      cgroupDriver: "cgroupfs",
      maxPods: 50,
      authentication: { webhook: { cacheTTL: "2m0s" } },
    },
  };
  const text = (renderAll(cfg))["config.yaml"]!;
  assertMatch(text, /cgroupDriver: cgroupfs\n/);
  assertMatch(text, /maxPods: 50\n/);
  assertMatch(text, /cacheTTL: 2m0s\n    enabled: true\n/);
  assertMatch(text, /containerRuntimeEndpoint: unix:\/\/\/run\/containerd\/containerd.sock\n/);
  assert(text.startsWith("apiVersion: kubelet.config.k8s.io/v1beta1\n"));
});

Deno.test("v1.20's IPv6DualStack gate reaches kube-apiserver and kube-controller-manager", () => {
  const files = renderAll(withCluster(referenceConfig(), { featureGates: { IPv6DualStack: true } }));
  assertMatch(files["kube-apiserver.yaml"]!, /- --feature-gates=IPv6DualStack=true\n/);
  assertMatch(files["kube-controller-manager.yaml"]!, /- --feature-gates=IPv6DualStack=true\n/);
  assertNotMatch(files["kube-scheduler.yaml"]!, /feature-gates/);
  const modern = renderAll(referenceConfig("v1.34.7"));
  assertNotMatch(modern["kube-apiserver.yaml"]!, /feature-gates/);
});

Deno.test("the NodeLocalCRISocket gate, where the minor has it, decides where the CRI socket goes", () => {
  const off = renderAll(
    withCluster(referenceConfig("v1.34.7"), { featureGates: { NodeLocalCRISocket: false } }),
  );
  assertMatch(
    off["kubeadm-flags.env"]!,
    /--container-runtime-endpoint=unix:\/\/\/run\/containerd\/containerd.sock/,
  );
  assertEquals(off["instance-config.yaml"], undefined);
  const on = renderAll(referenceConfig("v1.34.7"));
  assertNotMatch(on["kubeadm-flags.env"]!, /container-runtime-endpoint/);
  assertMatch(
    on["instance-config.yaml"]!,
    /^containerRuntimeEndpoint: "unix:\/\/\/run\/containerd\/containerd.sock"\n$/,
  );
});
