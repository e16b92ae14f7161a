/** Preflight on a re-run: kadm's own control plane (its ports, manifests, etcd data) does not fail it. */
import { assertEquals, assertMatch } from "./_std.ts";
import { join } from "node:path";
import { UserError } from "../lib/errors.ts";
import { fakePreflightHost } from "../lib/preflight/fake.ts";
import { STATE_FILE } from "../lib/state.ts";
import { certsPhase } from "../phases/certs.ts";
import { makePreflightPhase } from "../phases/preflight.ts";
import { runSelected } from "../phases/runner.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

const BUSY = [6443, 10250, 10257, 10259, 2379, 2380];

async function run(root: string): Promise<string[]> {
  const cfg = referenceConfig("v1.34.7");
  const host = fakePreflightHost({
    busyPorts: BUSY,
    files: { "/etc/kubernetes/manifests/kube-apiserver.yaml": "x", "/var/lib/etcd/member/x": "x" },
    dirs: { "/var/lib/etcd": ["member"] },
    commands: { "kubelet --version": { stdout: "Kubernetes v1.34.7\n" } },
  });
  const ctx = testContext({ cfg, root, keys: testKeySource() });
  try {
    await makePreflightPhase(() => host).run!(ctx);
    return [];
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.message.split("\n").filter((l) => l.startsWith("\t[ERROR")).map((l) => l.trim());
  }
}

Deno.test("preflight on a re-run over kadm's own control plane passes; a foreign one still fails", async () => {
  const root = await Deno.makeTempDir({ prefix: "kadm-rerun-preflight-" });
  try {
    const ctx = testContext({ cfg: referenceConfig("v1.34.7"), root, keys: testKeySource() });
    await runSelected([certsPhase], ["certs", "ca"], ctx);
    await Deno.mkdir(join(root, "etc/kubernetes/manifests"), { recursive: true });
    await Deno.writeTextFile(join(root, "etc/kubernetes/manifests/kube-apiserver.yaml"), "kind: Pod\n");
    assertEquals(await run(root), []);
    // Without kadm's record the same host is someone else's control plane: kubeadm's errors stand.
    await Deno.remove(join(root, "etc/kubernetes/pki", STATE_FILE));
    const errors = await run(root);
    assertMatch(errors.join("\n"), /\[ERROR Port-6443\]: Port 6443 is in use/);
    assertMatch(errors.join("\n"), /\[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml\]/);
    assertMatch(errors.join("\n"), /\[ERROR DirAvailable--var-lib-etcd\]/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
