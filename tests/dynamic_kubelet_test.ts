/** DynamicKubeletConfig: kadm's gate for v1.20-v1.23, the init config file, the Node's configSource patch. */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { join } from "node:path";
import { load, refusal } from "./config_support.ts";
import { loadInitConfig } from "../lib/config/load.ts";
import { renderStoredClusterConfiguration } from "../lib/config/render.ts";
import type { InitConfig } from "../lib/model.ts";
import { kubeletStartPhase } from "../phases/kubelet-start.ts";
import { markControlPlanePhase } from "../phases/markcontrolplane.ts";
import { referenceConfig, testContext, withCluster } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

function assertStringIncludes(actual: string, part: string): void {
  assert(actual.includes(part), `expected ${JSON.stringify(actual)} to include ${JSON.stringify(part)}`);
}

const HOST = {
  hostname: () => "master-1",
  advertiseAddress: () => "10.0.0.10",
  randomToken: () => "abcdef.0123456789abcdef",
};

function withFlag(version: string, gates = "DynamicKubeletConfig=true") {
  return loadInitConfig({ flags: { kubernetesVersion: version, featureGates: gates }, host: HOST });
}

function v1alpha1(version: string): string {
  return `apiVersion: kubeadm.k8s.io/v1alpha1
kind: MasterConfiguration
kubernetesVersion: ${version}
featureGates: {DynamicKubeletConfig: true}
`;
}

function v1beta(api: string, version: string): string {
  return `apiVersion: kubeadm.k8s.io/${api}
kind: ClusterConfiguration
kubernetesVersion: ${version}
featureGates:
  DynamicKubeletConfig: true
`;
}

function dynamicConfig(version: string): InitConfig {
  const cfg = referenceConfig(version);
  return withCluster(cfg, { featureGates: { DynamicKubeletConfig: true } });
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "kadm-dynkubelet-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("DynamicKubeletConfig is accepted for v1.20 and v1.23 from --feature-gates", () => {
  for (const v of ["v1.20.2", "v1.23.17"]) {
    assertEquals(withFlag(v).cfg.cluster.featureGates, { DynamicKubeletConfig: true });
  }
});

Deno.test("DynamicKubeletConfig is accepted from v1alpha1, v1beta2 and v1beta3 featureGates", () => {
  assertEquals(load(v1alpha1("v1.20.2")).cfg.cluster.featureGates.DynamicKubeletConfig, true);
  assertEquals(load(v1beta("v1beta2", "v1.21.14")).cfg.cluster.featureGates.DynamicKubeletConfig, true);
  assertEquals(load(v1beta("v1beta3", "v1.23.17")).cfg.cluster.featureGates.DynamicKubeletConfig, true);
});

Deno.test("DynamicKubeletConfig is refused for v1.24 and v1.34 with the removal and what to use instead", () => {
  for (const v of ["v1.24.17", "v1.34.0"]) {
    const msg = refusal(() => withFlag(v));
    assertStringIncludes(msg, "Invalid value for --feature-gates: feature gate DynamicKubeletConfig");
    assertStringIncludes(msg, `not available for Kubernetes ${v.split(".").slice(0, 2).join(".")}`);
    assertStringIncludes(msg, "removed in v1.24");
    assertStringIncludes(
      msg,
      "kubelet-config ConfigMap or /var/lib/kubelet/config.yaml and restart the kubelet",
    );
    assertStringIncludes(msg, "--patches with a kubeletconfiguration patch");
    assert(!msg.includes("\n"), "one line");
  }
  const fromFile = refusal(() => load(v1beta("v1beta3", "v1.24.17")));
  assertMatch(fromFile, /featureGates\.DynamicKubeletConfig.*removed in v1\.24/);
});

Deno.test("the stored kubeadm-config leaves out kadm's own DynamicKubeletConfig gate", () => {
  const cfg = withCluster(referenceConfig("v1.20.2"), {
    featureGates: { DynamicKubeletConfig: true, PublicKeysECDSA: false },
  });
  const yaml = renderStoredClusterConfiguration(cfg, "v1beta2").yaml;
  assert(!yaml.includes("DynamicKubeletConfig"));
  assertStringIncludes(yaml, "PublicKeysECDSA: false");
});

Deno.test("kubelet-start with the gate writes config/init/kubelet as config.yaml, mode 0644", async () => {
  await withRoot(async (root) => {
    const ctx = testContext({ root, keys: testKeySource(), cfg: dynamicConfig("v1.22.17"), hostPaths: [] });
    await kubeletStartPhase.run!(ctx);
    const dir = join(root, "var/lib/kubelet");
    const init = join(dir, "config/init/kubelet");
    assertEquals(await Deno.readTextFile(init), await Deno.readTextFile(join(dir, "config.yaml")));
    assertStringIncludes(await Deno.readTextFile(init), "kind: KubeletConfiguration");
    assertEquals((Deno.statSync(init).mode ?? 0) & 0o777, 0o644);
    const flags = await Deno.readTextFile(join(dir, "kubeadm-flags.env"));
    assertStringIncludes(flags, "--dynamic-config-dir=/var/lib/kubelet/dynamic-config");
    assertStringIncludes(flags, "--feature-gates=DynamicKubeletConfig=true");
    assertMatch(ctx.log.lines.join("\n"), /initial kubelet configuration for Dynamic Kubelet Config/);
  });
});

Deno.test("kubelet-start without the gate writes no init config", async () => {
  await withRoot(async (root) => {
    const ctx = testContext({ root, keys: testKeySource(), hostPaths: [] });
    await kubeletStartPhase.run!(ctx);
    const dir = join(root, "var/lib/kubelet");
    await Deno.stat(join(dir, "config.yaml"));
    let found = true;
    try {
      await Deno.stat(join(dir, "config/init/kubelet"));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      found = false;
    }
    assert(!found);
    assert(!(await Deno.readTextFile(join(dir, "kubeadm-flags.env"))).includes("dynamic-config-dir"));
  });
});

Deno.test("mark-control-plane with the gate patches the Node's configSource to the kubelet-config ConfigMap", async () => {
  await withRoot(async (root) => {
    const ctx = testContext({ root, keys: testKeySource(), cfg: dynamicConfig("v1.20.2"), dryRun: true });
    await markControlPlanePhase.run!(ctx);
    const out = ctx.log.lines.join("\n");
    const node = ctx.cfg.nodeRegistration.name;
    assertStringIncludes(
      out,
      `[kubelet] Enabling Dynamic Kubelet Config for Node "${node}"; config sourced from ConfigMap "kubelet-config-1.20" in namespace kube-system`,
    );
    const patches = out.split('[dryrun] Would perform action PATCH on resource "nodes"');
    assertEquals(patches.length, 3);
    assertStringIncludes(
      patches[2]!,
      '{"spec":{"configSource":{"configMap":{"kubeletConfigKey":"kubelet","name":"kubelet-config-1.20","namespace":"kube-system"}}}}',
    );
  });
});

Deno.test("mark-control-plane without the gate sends only the labels and taints patch", async () => {
  await withRoot(async (root) => {
    const ctx = testContext({ root, keys: testKeySource(), dryRun: true });
    await markControlPlanePhase.run!(ctx);
    const out = ctx.log.lines.join("\n");
    assertEquals(out.split('[dryrun] Would perform action PATCH on resource "nodes"').length, 2);
    assert(!out.includes("configSource"));
  });
});
