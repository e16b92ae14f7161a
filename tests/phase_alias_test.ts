/** kubeadm's older names still work: the `experimental-cert-rotation` sub-phase and `--experimental-patches`. */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { join } from "node:path";
import { tempDir } from "./_assert.ts";
import { kadmSubprocess } from "./support/e2e.ts";
import { findPhase, validateSkips } from "../phases/runner.ts";
import { initPhases } from "../phases/mod.ts";
import { minorInfo } from "../lib/versions.ts";

const TREE = initPhases(minorInfo(20));

Deno.test("experimental-cert-rotation names kubelet-finalize's enable-client-cert-rotation", () => {
  const found = findPhase(TREE, ["kubelet-finalize", "experimental-cert-rotation"]);
  assertEquals(found.path, "kubelet-finalize/enable-client-cert-rotation");
  assertEquals(validateSkips(TREE, ["kubelet-finalize/experimental-cert-rotation"]), [
    "kubelet-finalize/enable-client-cert-rotation",
  ]);
});

Deno.test("init phase kubelet-finalize experimental-cert-rotation runs as a command", async () => {
  await using dir = await tempDir();
  const r = await kadmSubprocess([
    "init",
    "phase",
    "kubelet-finalize",
    "experimental-cert-rotation",
    "--rootfs",
    dir.path,
    "--kubernetes-version",
    "v1.20.2",
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /\[kubelet-finalize\] Skipping: ".*kubelet-client-current.pem" does not exist yet/);
});

Deno.test("--experimental-patches is --patches, with a warning naming the new flag", async () => {
  await using dir = await tempDir();
  const patches = join(dir.path, "patches");
  await Deno.mkdir(patches);
  await Deno.writeTextFile(
    join(patches, "kube-scheduler.yaml"),
    'metadata:\n  labels:\n    patched: "yes"\n',
  );
  const r = await kadmSubprocess([
    "init",
    "phase",
    "control-plane",
    "scheduler",
    "--rootfs",
    dir.path,
    "--kubernetes-version",
    "v1.20.2",
    "--experimental-patches",
    patches,
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stderr,
    /W: --experimental-patches is kubeadm v1.19 - v1.21's name for --patches; use --patches/,
  );
  const manifest = await Deno.readTextFile(join(dir.path, "etc/kubernetes/manifests/kube-scheduler.yaml"));
  assert(manifest.includes('patched: "yes"'), manifest);
});
