/**
 * wait-control-plane's console lines per minor: the v1.30 split into [kubelet-check] + [api-check]
 * (kubernetes#121958) and the healthz URL in the kubelet line (kubernetes#125265: v1.31, v1.30.4).
 */
import { assertEquals, assertRejects } from "./_std.ts";
import { waitControlPlanePhase } from "../phases/waitcontrolplane.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";
import { runInitPhase } from "../cli/init.ts";
import { memoryLogger } from "../lib/log.ts";

const ANNOUNCE =
  '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"';

async function linesOf(
  version: string,
  kubelet?: Record<string, unknown>,
  dryRun = false,
): Promise<string[]> {
  const root = await Deno.makeTempDir({ prefix: "kadm-wcp-" });
  try {
    const cfg = { ...referenceConfig(version), kubeletConfiguration: kubelet };
    const ctx = testContext({ cfg, root: "", keys: testKeySource(), dryRun });
    const withRoot = { ...ctx, paths: { ...ctx.paths, root: dryRun ? "" : root } };
    // No admin.conf exists: the API half fails right after the kubelet half, which is what is looked at.
    if (dryRun) await waitControlPlanePhase.run!(withRoot);
    else await assertRejects(() => waitControlPlanePhase.run!(withRoot));
    return ctx.log.lines;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Runs `fn` with a local "kubelet" answering /healthz 200; returns what fn returns. */
async function withKubelet<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    () => new Response("ok"),
  );
  try {
    return await fn(server.addr.port);
  } finally {
    ac.abort();
    await server.finished;
  }
}

Deno.test("up to v1.29 the announcement carries the timeout; from v1.30 it does not", async () => {
  for (
    const [version, suffix] of [["v1.29.15", ". This can take up to 4m0s"], ["v1.30.0", ""], ["v1.34.7", ""]]
  ) {
    assertEquals((await linesOf(version!, undefined, true)).at(-1), ANNOUNCE + suffix, version);
  }
});

Deno.test("v1.30.0 - v1.30.3 wait for the kubelet without naming its healthz URL", async () => {
  await withKubelet(async (port) => {
    const lines = await linesOf("v1.30.3", { healthzPort: port });
    assertEquals(lines[1], "[kubelet-check] Waiting for a healthy kubelet. This can take up to 4m0s");
  });
});

Deno.test("v1.30.4 and v1.31+ name the kubelet's healthz URL", async () => {
  await withKubelet(async (port) => {
    for (const version of ["v1.30.4", "v1.31.14", "v1.34.7"]) {
      const lines = await linesOf(version, { healthzPort: port });
      assertEquals(
        lines[1],
        `[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:${port}/healthz. This can take up to 4m0s`,
        version,
      );
    }
  });
});

Deno.test("a kubelet healthz port of 0 skips the kubelet check (v1.31+)", async () => {
  const lines = await linesOf("v1.31.14", { healthzPort: 0 });
  assertEquals(
    lines[1],
    "[kubelet-check] Skipping the kubelet health check because the healthz port is set to 0",
  );
});

function unusedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("v1.30+: a kubelet that never answers gives kubeadm's kubelet help and a one-line error", async () => {
  const port = unusedPort();
  const base = referenceConfig("v1.34.7");
  const cfg = {
    ...base,
    cluster: { ...base.cluster, timeouts: { ...base.cluster.timeouts, kubeletHealthCheck: 1 } },
    kubeletConfiguration: { healthzPort: port },
  };
  const ctx = testContext({ cfg, root: "", keys: testKeySource() });
  const e = await assertRejects(() => waitControlPlanePhase.run!(ctx));
  const url = `http://127.0.0.1:${port}/healthz`;
  assertEquals(
    e.message,
    `failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL ${url}' returned error: Get "${url}": context deadline exceeded`,
  );
  const lines = ctx.log.lines;
  const i = lines.findIndex((l) => l.startsWith("[kubelet-check] The kubelet is not healthy after "));
  assertEquals(lines.slice(i + 1), [
    "",
    "Unfortunately, an error has occurred, likely caused by:",
    "\t- The kubelet is not running",
    "\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)",
    "",
    "If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:",
    "\t- 'systemctl status kubelet'",
    "\t- 'journalctl -xeu kubelet'",
    "",
  ]);
});

Deno.test("up to v1.29: an API server that never answers gives kubeadm's one help screen and a one-line error", async () => {
  const root = await Deno.makeTempDir({ prefix: "kadm-wcp-" });
  try {
    const port = unusedPort();
    const flags = { rootfs: root, kubernetesVersion: "v1.20.2", apiserverAdvertiseAddress: "127.0.0.1" };
    await runInitPhase(["certs", "ca"], flags, memoryLogger());
    await runInitPhase(
      ["kubeconfig", "admin"],
      { ...flags, apiserverBindPort: String(port) },
      memoryLogger(),
    );
    const base = referenceConfig("v1.20.2");
    const cfg = {
      ...base,
      cluster: {
        ...base.cluster,
        timeouts: { ...base.cluster.timeouts, controlPlaneComponentHealthCheck: 1 },
      },
    };
    const ctx = testContext({ cfg, root, keys: testKeySource() });
    const e = await assertRejects(() => waitControlPlanePhase.run!(ctx));
    assertEquals(e.message.split("\n").length, 1, e.message);
    assertEquals(
      e.message.startsWith(
        `couldn't initialize a Kubernetes cluster: The API server https://127.0.0.1:${port}`,
      ),
      true,
      e.message,
    );
    const lines = ctx.log.lines;
    const i = lines.indexOf("Unfortunately, an error has occurred:");
    assertEquals(lines.slice(i, i + 2), [
      "Unfortunately, an error has occurred:",
      "\ttimed out waiting for the condition",
    ]);
    assertEquals(
      lines.slice(-6),
      [
        "",
        "Here is one example how you may list all Kubernetes containers running in cri-o/containerd using crictl:",
        "\t- 'crictl --runtime-endpoint /run/containerd/containerd.sock ps -a | grep kube | grep -v pause'",
        "\tOnce you have found the failing container, you can inspect its logs with:",
        "\t- 'crictl --runtime-endpoint /run/containerd/containerd.sock logs CONTAINERID'",
        "",
      ],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
