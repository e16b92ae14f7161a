/**
 * lib/tokens.ts on its own: its output against kubeadm's own test vectors (cmd/token_test.go
 * TestTokenOutput), TTLs, expirations with an offset, and where the default kubeconfig is looked for.
 */
import { assertEquals, assertMatch, assertThrows } from "./_std.ts";
import { tokenSecret } from "./support/apiserver_client.ts";
import {
  ADMIN_CONF,
  defaultKubeconfigPath,
  type ListedToken,
  renderTokenList,
  shortHumanDuration,
  tokenFromSecret,
} from "../lib/tokens.ts";
import { GROUP, HOUR } from "./token_support.ts";

const VECTOR: ListedToken = {
  token: "abcdef.1234567890123456",
  description: "valid bootstrap tooken",
  usages: ["signing", "authentication"],
  groups: [GROUP],
};

Deno.test("token output equals kubeadm's TestTokenOutput vectors for text, json and yaml", () => {
  assertEquals(
    renderTokenList([VECTOR], "text", 0),
    "TOKEN                     TTL         EXPIRES   USAGES                   DESCRIPTION                                                EXTRA GROUPS\n" +
      "abcdef.1234567890123456   <forever>   <never>   signing,authentication   valid bootstrap tooken                                     system:bootstrappers:kubeadm:default-node-token\n",
  );
  assertEquals(
    renderTokenList([VECTOR], "json", 0),
    `{
    "kind": "BootstrapToken",
    "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
    "token": "abcdef.1234567890123456",
    "description": "valid bootstrap tooken",
    "usages": [
        "signing",
        "authentication"
    ],
    "groups": [
        "system:bootstrappers:kubeadm:default-node-token"
    ]
}
`,
  );
  assertEquals(
    renderTokenList([VECTOR], "yaml", 0),
    `apiVersion: output.kubeadm.k8s.io/v1alpha3
description: valid bootstrap tooken
groups:
- system:bootstrappers:kubeadm:default-node-token
kind: BootstrapToken
token: abcdef.1234567890123456
usages:
- signing
- authentication
`,
  );
  assertThrows(() => renderTokenList([VECTOR], "wide", 0), /^Invalid value for --output: "wide"/);
});

Deno.test("TTLs read as apimachinery's ShortHumanDuration", () => {
  const cases: [number, string][] = [
    [-2_000, "<invalid>"],
    [-1_500, "0s"],
    [59_999, "59s"],
    [60_000, "1m"],
    [24 * HOUR - 1_000, "23h"],
    [24 * HOUR, "1d"],
    [364 * 24 * HOUR, "364d"],
    [365 * 24 * HOUR, "1y"],
  ];
  assertEquals(cases.map(([ms]) => shortHumanDuration(ms)), cases.map(([, s]) => s));
});

Deno.test("an expiration with an offset lists in that offset and as UTC in json", () => {
  const s = tokenSecret("abcdef", "0123456789abcdef", { expiration: "2030-01-02T03:04:05.25+02:00" });
  const t = tokenFromSecret(s);
  assertEquals(t.expires?.text, "2030-01-02T03:04:05+02:00");
  const row = renderTokenList([t], "text", Date.parse("2030-01-01T00:00:00Z")).split("\n")[1]!;
  assertMatch(row, /^abcdef\.0123456789abcdef   1d          2030-01-02T03:04:05\+02:00   /);
  assertMatch(renderTokenList([t], "json", 0), /"expires": "2030-01-02T01:04:05Z"/);
  assertThrows(
    () => tokenFromSecret(tokenSecret("abcdef", "0123456789abcdef", { expiration: "tomorrow" })),
    /can't parse expiration time of bootstrap token "bootstrap-token-abcdef"/,
  );
});

Deno.test("without --kubeconfig the token commands look where kubeadm looks", () => {
  const has = (files: string[]) => (p: string) => files.includes(p);
  assertEquals(defaultKubeconfigPath({ HOME: "/root" }, has([])), "/root/.kube/config");
  assertEquals(defaultKubeconfigPath({ HOME: "/root" }, has([ADMIN_CONF])), ADMIN_CONF);
  assertEquals(
    defaultKubeconfigPath({ HOME: "/root" }, has([ADMIN_CONF, "/root/.kube/config"])),
    "/root/.kube/config",
  );
  assertEquals(defaultKubeconfigPath({ KUBECONFIG: "/a:/b", HOME: "/root" }, has(["/b", ADMIN_CONF])), "/b");
  assertEquals(defaultKubeconfigPath({ KUBECONFIG: "/a", HOME: "/root" }, has(["/root/.kube/config"])), "/a");
});
