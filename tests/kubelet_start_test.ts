/** kubelet-start against a fake host: files and modes, the drop-in rule, the systemctl calls. */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { join } from "node:path";
import { exists } from "../lib/host.ts";
import { KUBELET_DROPIN } from "../lib/kubelet.ts";
import { kubeletStartPhase } from "../phases/kubelet-start.ts";
import { recordingRunner, referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "kadm-kubelet-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function modeOf(path: string): number {
  return (Deno.statSync(path).mode ?? 0) & 0o777;
}

Deno.test("kubelet-start writes its files, the drop-in, and restarts the kubelet through systemd", async () => {
  await withRoot(async (root) => {
    const runner = recordingRunner();
    const ctx = {
      ...testContext({ root, keys: testKeySource(), hostPaths: ["/run/systemd/system"] }),
      runner,
    };
    await kubeletStartPhase.run!(ctx);
    for (const f of ["config.yaml", "kubeadm-flags.env"]) {
      assertEquals(modeOf(join(root, "var/lib/kubelet", f)), 0o644);
    }
    const dropIn = join(root, "etc/systemd/system/kubelet.service.d/10-kubeadm.conf");
    assertEquals(await Deno.readTextFile(dropIn), KUBELET_DROPIN);
    assertEquals(runner.calls, [
      "systemctl stop kubelet",
      "systemctl daemon-reload",
      "systemctl restart kubelet",
    ]);
    assertMatch(ctx.log.lines.join("\n"), /\[kubelet-start\] Starting the kubelet/);
  });
});

Deno.test("kubelet-start never writes over an installed kubelet drop-in", async () => {
  await withRoot(async (root) => {
    const dir = join(root, "etc/systemd/system/kubelet.service.d");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "20-mine.conf"), "[Service]\n");
    const ctx = testContext({ root, keys: testKeySource() });
    await kubeletStartPhase.run!(ctx);
    assert(!(await exists(join(dir, "10-kubeadm.conf"))));
    assertEquals(await Deno.readTextFile(join(dir, "20-mine.conf")), "[Service]\n");
  });
});

Deno.test("kubelet-start only warns where systemd does not run", async () => {
  await withRoot(async (root) => {
    const ctx = testContext({ root, keys: testKeySource(), hostPaths: [] });
    await kubeletStartPhase.run!(ctx);
    assertEquals((ctx.runner as ReturnType<typeof recordingRunner>).calls, []);
    assertMatch(
      ctx.log.warnings.join("\n"),
      /unable to start the kubelet service.*\n.*Please ensure kubelet is reloaded/,
    );
  });
});

Deno.test("kubelet-start in dry-run says what it would run and runs nothing", async () => {
  await withRoot(async (root) => {
    const ctx = testContext({
      root,
      keys: testKeySource(),
      dryRun: true,
      hostPaths: ["/run/systemd/system"],
    });
    await kubeletStartPhase.run!(ctx);
    assertEquals((ctx.runner as ReturnType<typeof recordingRunner>).calls, []);
    assertMatch(ctx.log.lines.join("\n"), /\[dryrun\] Would restart the kubelet/);
  });
});

Deno.test("kubelet-start detects the CRI socket as kubeadm of the minor does", async () => {
  await withRoot(async (root) => {
    const base = referenceConfig("v1.34.7");
    const cfg = { ...base, nodeRegistration: { ...base.nodeRegistration, criSocket: "" } };
    const two = testContext({
      root,
      cfg,
      keys: testKeySource(),
      hostPaths: ["/var/run/containerd/containerd.sock", "/var/run/crio/crio.sock"],
    });
    let err: unknown;
    await kubeletStartPhase.run!(two).catch((e) => err = e);
    assertMatch(String(err), /Found multiple CRI endpoints.*containerd.sock.*crio.sock/);
    const one = testContext({ root, cfg, keys: testKeySource(), hostPaths: ["/var/run/crio/crio.sock"] });
    await kubeletStartPhase.run!(one);
    assertEquals(
      await Deno.readTextFile(join(root, "var/lib/kubelet/instance-config.yaml")),
      'containerRuntimeEndpoint: "unix:///var/run/crio/crio.sock"\n',
    );
  });
});
