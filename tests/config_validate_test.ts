/** `kadm config validate --config F`: kubeadm's `ok` for a good file, one clean line naming the field for a bad one. */
import { assertEquals, assertMatch } from "./_std.ts";
import { tempDir } from "./_assert.ts";
import { kadmSubprocess } from "./support/e2e.ts";

const data = (f: string) => new URL(`./testdata/config/${f}`, import.meta.url).pathname;

Deno.test("config validate prints ok for every config dialect kadm reads", async () => {
  for (
    const f of ["reference-v1alpha1.yaml", "full-v1beta2.yaml", "reference-v1beta3.yaml", "full-v1beta4.yaml"]
  ) {
    const r = await kadmSubprocess(["config", "validate", "--config", data(f)]);
    assertEquals([r.code, r.stdout], [0, "ok\n"], `${f}: ${r.stderr}`);
  }
});

Deno.test("config validate refuses a bad value with the field, its line and no stack trace", async () => {
  await using dir = await tempDir();
  const bad = `${dir.path}/bad.yaml`;
  await Deno.writeTextFile(
    bad,
    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0.0/33\n",
  );
  const r = await kadmSubprocess(["config", "validate", "--config", bad]);
  assertEquals(r.code, 1);
  assertEquals(r.stdout, "");
  assertMatch(r.stderr, /^error: Invalid value for networking.podSubnet \(line 4\): .*10.244.0.0\/33/);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
});

Deno.test("config validate needs --config and a readable file", async () => {
  const none = await kadmSubprocess(["config", "validate"]);
  assertEquals(none.code, 1);
  assertMatch(none.stderr, /^error: The --config flag is mandatory/);
  const missing = await kadmSubprocess(["config", "validate", "--config", "/nonexistent/kadm.yaml"]);
  assertEquals(missing.code, 1);
  assertMatch(missing.stderr, /^error: Unable to read config file "\/nonexistent\/kadm.yaml"/);
});
