/** kubelet-finalize: kubelet.conf is pointed at the rotating client certificate once it exists. */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { join } from "node:path";
import { parse } from "yaml";
import { kubeletFinalizePhase } from "../phases/kubeletfinalize.ts";
import { kubeconfigPhase } from "../phases/kubeconfig.ts";
import { certsPhase } from "../phases/certs.ts";
import { runSelected } from "../phases/runner.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

type Conf = { users: { user: Record<string, string> }[] };

Deno.test("kubelet-finalize points kubelet.conf at kubelet-client-current.pem once the kubelet wrote it", async () => {
  const root = await Deno.makeTempDir({ prefix: "kadm-finalize-" });
  try {
    const ctx = testContext({ cfg: referenceConfig("v1.34.7"), root, keys: testKeySource() });
    await runSelected([certsPhase, kubeconfigPhase], ["certs"], ctx);
    await runSelected([certsPhase, kubeconfigPhase], ["kubeconfig", "kubelet"], ctx);
    const conf = join(root, "etc/kubernetes/kubelet.conf");
    const before = await Deno.readTextFile(conf);

    // Before TLS bootstrap wrote the file: nothing changes.
    await runSelected([kubeletFinalizePhase], ["kubelet-finalize"], ctx);
    assertEquals(await Deno.readTextFile(conf), before);
    assertMatch(
      ctx.log.lines.join("\n"),
      /Skipping: "\/var\/lib\/kubelet\/pki\/kubelet-client-current.pem" does not exist/,
    );

    await Deno.mkdir(join(root, "var/lib/kubelet/pki"), { recursive: true });
    await Deno.writeTextFile(join(root, "var/lib/kubelet/pki/kubelet-client-current.pem"), "cert+key\n");
    await runSelected([kubeletFinalizePhase], ["kubelet-finalize"], ctx);
    assertMatch(
      ctx.log.lines.join("\n"),
      /\[kubelet-finalize\] Updating "\/etc\/kubernetes\/kubelet.conf" to point to a rotatable kubelet client certificate and key/,
    );
    const user = (parse(await Deno.readTextFile(conf)) as Conf).users[0]!.user;
    assertEquals(user["client-certificate"], "/var/lib/kubelet/pki/kubelet-client-current.pem");
    assertEquals(user["client-key"], "/var/lib/kubelet/pki/kubelet-client-current.pem");
    assert(!("client-certificate-data" in user) && !("client-key-data" in user));
    assertEquals((Deno.statSync(conf).mode ?? 0) & 0o777, 0o600);
    // The cluster (server, CA) is untouched.
    const cluster = (s: string) => (parse(s) as { clusters: unknown[] }).clusters;
    assertEquals(cluster(await Deno.readTextFile(conf)), cluster(before));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
