/**
 * wait-control-plane's console lines per minor: the v1.30 split into [kubelet-check] + [api-check]
 * (kubernetes#121958) and the healthz URL in the kubelet line (kubernetes#125265: v1.31, v1.30.4).
 */
import { assertEquals, assertRejects } from "./_std.ts";
import { waitControlPlanePhase } from "../phases/waitcontrolplane.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

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
