/**
 * `kadm token create | list | delete | generate` as a subprocess of main.ts: the round trip against the
 * test API server, and one-line errors without a stack trace.
 */
import { parse as parseYaml } from "yaml";
import { assertEquals, assertMatch } from "./_std.ts";
import { tokenGenerate } from "../cli/token.ts";
import { cluster, GROUP } from "./token_support.ts";
import { kadmSubprocess as kadm } from "./support/e2e.ts";

Deno.test("kadm token create, list -o yaml and delete round-trip through main.ts", async () => {
  await using c = await cluster();
  const k = ["--kubeconfig", c.kubeconfig];
  const created = await kadm([
    "token",
    "create",
    "abcdef.0123456789abcdef",
    ...k,
    "--ttl",
    "2h",
    "--description",
    "cli",
  ]);
  assertEquals([created.code, created.stdout, created.stderr], [0, "abcdef.0123456789abcdef\n", ""]);
  const listed = await kadm(["token", "list", ...k, "-o", "yaml"]);
  assertEquals(listed.code, 0, listed.stderr);
  const doc = parseYaml(listed.stdout);
  assertEquals([doc.token, doc.description, doc.usages, doc.groups], [
    "abcdef.0123456789abcdef",
    "cli",
    ["authentication", "signing"],
    [GROUP],
  ]);
  const again = await kadm(["token", "create", "abcdef.0123456789abcdef", ...k]);
  assertEquals(again.code, 1);
  assertEquals(again.stderr.trim().split("\n").length, 1, again.stderr);
  assertMatch(again.stderr, /^error: A token with id "abcdef" already exists/);
  const deleted = await kadm(["token", "delete", "abcdef", ...k]);
  assertEquals([deleted.code, deleted.stdout], [0, 'bootstrap token "abcdef" deleted\n']);
});

Deno.test("kadm token commands fail with one line and no stack trace", async () => {
  for (
    const [args, re] of [
      [["token", "create", "--ttl", "5x", "--kubeconfig", "/nonexistent"], /^error: Invalid value for --ttl/],
      [
        ["token", "list", "--kubeconfig", "/nonexistent"],
        /^error: Cannot read kubeconfig file \/nonexistent: no such/,
      ],
      [["token", "delete", "nope!!", "--kubeconfig", "/nonexistent"], /^error: Invalid argument 1 of/],
    ] as const
  ) {
    const r = await kadm([...args]);
    assertEquals(r.code, 1, r.stdout);
    assertMatch(r.stderr, re);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

Deno.test("kadm token generate prints one random token", () => {
  const out: string[] = [];
  tokenGenerate({ out: (t) => out.push(t) });
  assertMatch(out.join(""), /^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
});
