/**
 * `kadm token list` in-process through cli/token.ts against the test API server: kubeadm's table, the
 * json and yaml outputs, and Secrets it skips.
 */
import { parse as parseYaml } from "yaml";
import { assertEquals, assertMatch } from "./_std.ts";
import { tokenSecret } from "./support/apiserver_client.ts";
import { tokenCreate, tokenList } from "../cli/token.ts";
import { cluster, GROUP, memIO } from "./token_support.ts";

Deno.test("token list prints kubeadm's table, expired tokens as <invalid>, and skips broken Secrets", async () => {
  await using c = await cluster();
  const now = Date.now();
  await tokenCreate("abcdef.0123456789abcdef", {
    kubeconfig: c.kubeconfig,
    ttl: "0",
    description: "kadm test",
  }, memIO(now));
  c.api.seed(tokenSecret("oldtok", "0123456789abcdef", { expiration: "2020-01-01T00:00:00Z" }));
  c.api.seed(tokenSecret("broken", "0123456789abcdef", { "token-id": "other1" }));
  c.api.seed({
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: { name: "x", namespace: "kube-system" },
  });
  const io = memIO(now);
  await tokenList({ kubeconfig: c.kubeconfig }, io);
  // Each token goes through its own tabwriter: only the first row is aligned with the header.
  assertEquals(
    io.text(),
    [
      "TOKEN                     TTL         EXPIRES   USAGES                   DESCRIPTION                                                EXTRA GROUPS",
      "abcdef.0123456789abcdef   <forever>   <never>   authentication,signing   kadm test                                                  system:bootstrappers:kubeadm:default-node-token",
      "oldtok.0123456789abcdef   <invalid>   2020-01-01T00:00:00Z   authentication,signing   <none>                                                     system:bootstrappers:kubeadm:default-node-token",
      "",
    ].join("\n"),
  );
  assertEquals(io.warnings, [
    `Skipping Secret kube-system/bootstrap-token-broken: bootstrap token name is not of the form ` +
    `'bootstrap-token-(token-id)'. Actual: "bootstrap-token-broken". Expected: "bootstrap-token-other1"`,
  ]);
});

Deno.test("token list -o json and -o yaml parse back to the tokens created", async () => {
  await using c = await cluster();
  const now = Date.parse("2030-01-01T00:00:00Z");
  await tokenCreate(
    "abcdef.0123456789abcdef",
    { kubeconfig: c.kubeconfig, description: "a & b" },
    memIO(now),
  );
  await tokenCreate("ghijkl.0123456789abcdef", {
    kubeconfig: c.kubeconfig,
    ttl: "0",
    usages: ["signing"],
    groups: [],
  }, memIO(now));
  const want = [
    {
      kind: "BootstrapToken",
      apiVersion: "output.kubeadm.k8s.io/v1alpha3",
      token: "abcdef.0123456789abcdef",
      description: "a & b",
      expires: "2030-01-02T00:00:00Z",
      usages: ["authentication", "signing"],
      groups: [GROUP],
    },
    {
      kind: "BootstrapToken",
      apiVersion: "output.kubeadm.k8s.io/v1alpha3",
      token: "ghijkl.0123456789abcdef",
      usages: ["signing"],
    },
  ];
  const json = memIO(now);
  await tokenList({ kubeconfig: c.kubeconfig, output: "json" }, json);
  // Go's MarshalIndent: 4 spaces, HTML characters escaped, one object after the other.
  assertMatch(json.text(), /^\{\n    "kind": "BootstrapToken",\n    "apiVersion": /);
  assertMatch(json.text(), /"description": "a \\u0026 b"/);
  assertEquals(json.text().split(/\n(?=\{)/).map((d) => JSON.parse(d)), want);

  const yaml = memIO(now);
  await tokenList({ kubeconfig: c.kubeconfig, output: "yaml" }, yaml);
  assertMatch(yaml.text(), /\nexpires: "2030-01-02T00:00:00Z"\n/);
  assertEquals(yaml.text().split(/^---\n/m).map((d) => parseYaml(d)), want);
});

Deno.test("token list prints nothing when there are no tokens, as kubeadm", async () => {
  await using c = await cluster();
  const io = memIO();
  await tokenList({ kubeconfig: c.kubeconfig }, io);
  assertEquals(io.text(), "");
});
