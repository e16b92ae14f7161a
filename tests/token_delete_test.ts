/**
 * `kadm token delete` in-process through cli/token.ts against the test API server: by id or whole token,
 * missing and malformed arguments, and --dry-run.
 */
import { assert, assertEquals, assertNotMatch, assertRejects } from "./_std.ts";
import { tokenCreate, tokenDelete } from "../cli/token.ts";
import { cluster, memIO, secretData, SECRETS } from "./token_support.ts";

Deno.test("token delete takes token IDs and whole tokens and prints kubeadm's lines", async () => {
  await using c = await cluster();
  await tokenCreate("abcdef.0123456789abcdef", { kubeconfig: c.kubeconfig }, memIO());
  await tokenCreate("ghijkl.0123456789abcdef", { kubeconfig: c.kubeconfig }, memIO());
  const io = memIO();
  await tokenDelete(["abcdef", "ghijkl.0123456789abcdef"], { kubeconfig: c.kubeconfig }, io);
  assertEquals(io.text(), 'bootstrap token "abcdef" deleted\nbootstrap token "ghijkl" deleted\n');
  assertEquals(c.api.list(SECRETS).filter((s) => s.type === "bootstrap.kubernetes.io/token"), []);
});

Deno.test("token delete of a missing token fails with kubeadm's message", async () => {
  await using c = await cluster();
  await assertRejects(
    () => tokenDelete(["zzzzzz"], { kubeconfig: c.kubeconfig }, memIO()),
    /^Failed to delete bootstrap token "zzzzzz": secrets "bootstrap-token-zzzzzz" not found: /,
  );
});

Deno.test("token delete with a malformed argument deletes nothing and does not echo it", async () => {
  await using c = await cluster();
  await tokenCreate("abcdef.0123456789abcdef", { kubeconfig: c.kubeconfig }, memIO());
  const e = await assertRejects(
    () => tokenDelete(["abcdef", "abcdef.0123456789ABCDEF"], { kubeconfig: c.kubeconfig }, memIO()),
    /^Invalid argument 2 of 'kadm token delete': the given token didn't match pattern/,
  );
  assertNotMatch(e.message, /0123456789/);
  assert(secretData(c.api, "abcdef"));
  await assertRejects(() => tokenDelete([], { kubeconfig: c.kubeconfig }, memIO()), /^Missing argument/);
});

Deno.test("token delete --dry-run prints the DELETE and leaves the Secret", async () => {
  await using c = await cluster();
  await tokenCreate("abcdef.0123456789abcdef", { kubeconfig: c.kubeconfig }, memIO());
  const io = memIO();
  await tokenDelete(["abcdef"], { kubeconfig: c.kubeconfig, dryRun: true }, io);
  assertEquals(io.text().split("\n"), [
    '[dryrun] Would perform action DELETE on resource "secrets" in API group "core/v1"',
    '[dryrun] Resource name: "bootstrap-token-abcdef"',
    'bootstrap token "abcdef" deleted',
    "",
  ]);
  assert(secretData(c.api, "abcdef"));
});
