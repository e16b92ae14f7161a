/**
 * kadm's own etcd static Pod, judged by a real etcd: the certs and etcd phases write a host-shaped
 * tree (advertise address 127.0.0.1: tests only use loopback), then Debian's etcd is started with the
 * manifest's own command line and certificates, and etcdctl checks it with the healthcheck-client
 * certificate. RSA and ECDSA, v1.20 and v1.34 (whose etcd 3.6 flag spellings Debian's 3.4 lacks: they
 * are translated, and the translation is listed).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadInitConfig } from "../lib/config/mod.ts";
import { memoryLogger } from "../lib/log.ts";
import { createInitContext } from "../phases/context.ts";
import { initPhases } from "../phases/mod.ts";
import { runSelected } from "../phases/runner.ts";
import { etcdctlHealthy, startEtcdFromManifest, tempRoot } from "./support/etcd.ts";
import { recordingRunner } from "./support/context.ts";

const HOST = {
  hostname: () => "master-1",
  advertiseAddress: () => "127.0.0.1",
  randomToken: () => "abcdef.0123456789abcdef",
};

async function kadmTree(root: string, version: string, ecdsa: boolean): Promise<string> {
  const minor = Number(version.split(".")[1]);
  const flagsGate = ecdsa && minor < 31 ? { featureGates: "PublicKeysECDSA=true" } : {};
  const configText = ecdsa && minor >= 31
    ? `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${version}
encryptionAlgorithm: ECDSA-P256
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
nodeRegistration:
  name: master-1
`
    : undefined;
  const { cfg } = loadInitConfig({
    host: HOST,
    ...(configText !== undefined ? { configText, configPath: "ecdsa.yaml" } : {
      flags: {
        kubernetesVersion: version,
        apiserverAdvertiseAddress: "127.0.0.1",
        nodeName: "master-1",
        ...flagsGate,
      },
    }),
  });
  const ctx = await createInitContext(cfg, {
    dryRun: true,
    dryRunDir: root,
    log: memoryLogger(),
    runner: recordingRunner(),
  });
  const tree = initPhases(ctx.minor);
  await runSelected(tree, ["certs"], ctx);
  await runSelected(tree, ["etcd"], ctx);
  return join(root, "etc/kubernetes/manifests/etcd.yaml");
}

for (
  const [version, ecdsa] of [["v1.20.2", false], ["v1.20.2", true], ["v1.34.7", false], [
    "v1.34.7",
    true,
  ]] as const
) {
  Deno.test(`a real etcd runs from kadm's ${version} etcd manifest and ${ecdsa ? "ECDSA" : "RSA"} certificates`, async () => {
    await using root = await tempRoot("kadm-etcd-kadm-");
    const manifest = await kadmTree(root.path, version, ecdsa);
    const keyHead = await Deno.readTextFile(join(root.path, "etc/kubernetes/pki/etcd/server.key"));
    assert.match(keyHead, ecdsa ? /^-----BEGIN EC PRIVATE KEY-----/ : /^-----BEGIN RSA PRIVATE KEY-----/);
    await using etcd = await startEtcdFromManifest(manifest, root.path, { flagPolicy: "translate" });
    if (version.startsWith("v1.34")) {
      // Debian's etcd 3.4 lacks the 3.6 spellings kubeadm v1.34 uses: the harness says what it changed.
      assert.ok(etcd.adjustments.length > 0, "expected the etcd 3.6 flags to be translated");
      for (const a of etcd.adjustments) {
        console.log(`  etcd ${etcd.version}: ${a.flag} ${a.action} by ${a.replacement ?? "nothing"}`);
      }
    } else {
      assert.deepEqual(etcd.adjustments, []);
    }
    const report = await etcdctlHealthy(etcd);
    assert.match(report.health, /https:\/\/127\.0\.0\.1:2379 is healthy/);
  });
}
