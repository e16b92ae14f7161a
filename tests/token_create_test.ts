/**
 * `kadm token create` in-process through cli/token.ts against the test API server: the Secret it stores,
 * the token it prints, --print-join-command, --dry-run, and the flags it rejects before any request.
 */
import { assert, assertEquals, assertNotMatch, assertRejects } from "./_std.ts";
import { openssl, opensslBytes } from "./_assert.ts";
import { tokenCreate } from "../cli/token.ts";
import { cluster, GROUP, memIO, secretData, writes } from "./token_support.ts";

Deno.test("token create stores a random token as kubeadm's Secret and prints only the token", async () => {
  await using c = await cluster();
  const now = Date.parse("2030-05-06T07:08:09.500Z");
  const io = memIO(now);
  await tokenCreate(undefined, { kubeconfig: c.kubeconfig }, io);
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})\n$/.exec(io.text());
  assert(m, `not a token: ${JSON.stringify(io.text())}`);
  assertEquals(secretData(c.api, m[1]!), {
    "auth-extra-groups": GROUP,
    "expiration": "2030-05-07T07:08:09Z",
    "token-id": m[1]!,
    "token-secret": m[2]!,
    "usage-bootstrap-authentication": "true",
    "usage-bootstrap-signing": "true",
  });
});

Deno.test("token create writes a given token with its ttl, usages, groups and description", async () => {
  await using c = await cluster();
  const io = memIO();
  await tokenCreate("abcdef.0123456789abcdef", {
    kubeconfig: c.kubeconfig,
    ttl: "0",
    usages: ["authentication"],
    groups: ["system:bootstrappers:worker", "system:bootstrappers:kubeadm:default-node-token"],
    description: "for the workers",
  }, io);
  assertEquals(io.text(), "abcdef.0123456789abcdef\n");
  assertEquals(secretData(c.api, "abcdef"), {
    "auth-extra-groups": `system:bootstrappers:worker,${GROUP}`,
    "description": "for the workers",
    "token-id": "abcdef",
    "token-secret": "0123456789abcdef",
    "usage-bootstrap-authentication": "true",
  });
});

Deno.test("token create refuses a token whose id already exists, as kubeadm", async () => {
  await using c = await cluster();
  await tokenCreate("abcdef.0123456789abcdef", { kubeconfig: c.kubeconfig }, memIO());
  const before = writes(c.api);
  const io = memIO();
  const e = await assertRejects(
    () => tokenCreate("abcdef.ffffffffffffffff", { kubeconfig: c.kubeconfig }, io),
    /^A token with id "abcdef" already exists: /,
  );
  assertNotMatch(e.message, /ffffffffffffffff|0123456789abcdef/);
  assertEquals(io.text(), "");
  assertEquals(writes(c.api), before);
  assertEquals(secretData(c.api, "abcdef")?.["token-secret"], "0123456789abcdef");
});

Deno.test("token create --print-join-command prints the one-line join command with the CA's openssl pin", async () => {
  await using c = await cluster();
  const pub = await openssl(["x509", "-pubkey", "-noout", "-in", c.caFile]);
  const der = await opensslBytes(["rsa", "-pubin", "-outform", "der"], pub);
  const hex = (await openssl(["dgst", "-sha256", "-hex"], der)).trim().replace(/^.* /, "");
  const endpoint = `127.0.0.1:${c.api.port}`;

  const io = memIO();
  await tokenCreate("abcdef.0123456789abcdef", { kubeconfig: c.kubeconfig, printJoinCommand: true }, io);
  // kubeadm v1.21+: one line, and the template's trailing space after the last hash.
  assertEquals(
    io.text(),
    `kubeadm join ${endpoint} --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${hex} \n`,
  );

  const key = "0123456789abcdef".repeat(4);
  const cp = memIO();
  await tokenCreate(
    "ghijkl.0123456789abcdef",
    { kubeconfig: c.kubeconfig, printJoinCommand: true, certificateKey: key },
    cp,
  );
  assertEquals(
    cp.text(),
    `kubeadm join ${endpoint} --token ghijkl.0123456789abcdef --discovery-token-ca-cert-hash sha256:${hex} ` +
      `--control-plane --certificate-key ${key}\n`,
  );
});

Deno.test("token create --dry-run reads the server, prints the redacted Secret and the token, writes nothing", async () => {
  await using c = await cluster();
  const io = memIO();
  await tokenCreate("abcdef.0123456789abcdef", { kubeconfig: c.kubeconfig, dryRun: true }, io);
  const lines = io.text().split("\n");
  assertEquals(lines.slice(0, 3), [
    '[dryrun] Would perform action GET on resource "secrets" in API group "core/v1"',
    '[dryrun] Resource name: "bootstrap-token-abcdef"',
    '[dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"',
  ]);
  assert(lines.includes("\t  token-secret: <redacted>"), io.text());
  assertEquals(lines.filter((l) => l.includes("0123456789abcdef")), ["abcdef.0123456789abcdef"]);
  assertEquals(writes(c.api), 0);
  assertEquals(secretData(c.api, "abcdef"), undefined);
});

const BAD_CREATE: readonly [string, string | undefined, Record<string, unknown>, RegExp][] = [
  [
    "a malformed token",
    "ABCDEF.0123456789abcdef",
    {},
    /^Invalid token for 'kadm token create': .*kadm token generate/,
  ],
  [
    "a ttl that is not a duration",
    undefined,
    { ttl: "5x" },
    /^Invalid value for --ttl: "5x" is not a duration/,
  ],
  ["a negative ttl", undefined, { ttl: "-1h" }, /^Invalid value for --ttl: "-1h" is negative; use 0/],
  [
    "an unknown usage",
    undefined,
    { usages: ["signing", "foo", "bar"] },
    /^Invalid value for --usages: invalid bootstrap token usage string: bar,foo, valid usage options: signing,authentication$/,
  ],
  [
    "a group outside system:bootstrappers:",
    undefined,
    { groups: ["system:nodes"] },
    /^Invalid value for --groups: bootstrap group "system:nodes" is invalid \(must match \\Asystem:bootstrappers:/,
  ],
  [
    "groups on a token without the authentication usage",
    undefined,
    { usages: ["signing"] },
    /^Invalid value for --groups: token groups cannot be specified unless --usages includes "authentication"/,
  ],
  [
    "--certificate-key without --print-join-command",
    undefined,
    { certificateKey: "ab".repeat(32) },
    /^Cannot use --certificate-key without --print-join-command$/,
  ],
  [
    "a short certificate key",
    undefined,
    { certificateKey: "abcd", printJoinCommand: true },
    /^Invalid value for --certificate-key: certificate key size must be 32 bytes/,
  ],
];

for (const [what, token, flags, re] of BAD_CREATE) {
  Deno.test(`token create rejects ${what} before touching the server`, async () => {
    await using c = await cluster();
    await assertRejects(() => tokenCreate(token, { kubeconfig: c.kubeconfig, ...flags }, memIO()), re);
    assertEquals(c.api.requests.length, 0);
  });
}

Deno.test("token create --usages signing --groups '' makes a signing-only token", async () => {
  await using c = await cluster();
  await tokenCreate(
    "abcdef.0123456789abcdef",
    { kubeconfig: c.kubeconfig, usages: ["signing"], groups: [] },
    memIO(),
  );
  const d = secretData(c.api, "abcdef")!;
  assertEquals(d["usage-bootstrap-signing"], "true");
  assertEquals("auth-extra-groups" in d || "usage-bootstrap-authentication" in d, false);
});
