/**
 * `kadm token create | list | delete | generate` round-trip against the test API server (a CA made with
 * lib/pki, an admin kubeconfig with a system:masters client certificate), in-process through
 * cli/token.ts and as a subprocess of main.ts; and lib/tokens.ts's output against kubeadm's own test
 * vectors (cmd/token_test.go TestTokenOutput).
 */
import { parse as parseYaml } from "yaml";
import { assert, assertEquals, assertMatch, assertNotMatch, assertRejects, assertThrows } from "./_std.ts";
import { openssl, opensslBytes, tempDir } from "./_assert.ts";
import { startTestApiServer, type TestApiServer } from "./support/apiserver.ts";
import { tokenSecret } from "./support/apiserver_client.ts";
import { testKeySource } from "./support/keys.ts";
import { certToPem, createCertificate } from "../lib/pki/certs.ts";
import { privateKeyToPem } from "../lib/pki/keys.ts";
import { renderKubeconfig } from "../lib/kubeconfig.ts";
import { tokenCreate, tokenDelete, tokenGenerate, type TokenIO, tokenList } from "../cli/token.ts";
import {
  ADMIN_CONF,
  defaultKubeconfigPath,
  type ListedToken,
  renderTokenList,
  shortHumanDuration,
  tokenFromSecret,
} from "../lib/tokens.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const GROUP = "system:bootstrappers:kubeadm:default-node-token";
const SECRETS = "/api/v1/namespaces/kube-system/secrets";
const HOUR = 3_600_000;

interface Cluster extends AsyncDisposable {
  readonly api: TestApiServer;
  readonly kubeconfig: string;
  readonly caFile: string;
}

/** A test API server whose cluster CA is an RSA CA made with lib/pki, and an admin.conf for it. */
async function cluster(): Promise<Cluster> {
  const keys = await testKeySource().generate("RSA-2048");
  const now = Date.now();
  const ca = await createCertificate({
    cn: "kubernetes",
    orgs: [],
    dnsNames: ["kubernetes"],
    ips: [],
    usages: [],
    isCA: true,
    leafBasicConstraints: false,
    serial: 1n,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 24 * HOUR),
  }, keys);
  const caPem = certToPem(ca);
  const api = await startTestApiServer({
    caCertPem: caPem,
    caKeyPem: await privateKeyToPem(keys.privateKey),
  });
  const dir = await tempDir("kadm-token-");
  const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
  const kubeconfig = `${dir.path}/admin.conf`;
  const caFile = `${dir.path}/ca.crt`;
  await Deno.writeTextFile(
    kubeconfig,
    renderKubeconfig({
      clusterName: "kubernetes",
      server: api.url,
      user: "kubernetes-admin",
      caPem,
      certPem: admin.certPem,
      keyPem: admin.keyPem,
    }),
  );
  await Deno.writeTextFile(caFile, caPem);
  return {
    api,
    kubeconfig,
    caFile,
    async [Symbol.asyncDispose]() {
      await api.stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}

function memIO(now = Date.now()): TokenIO & { text(): string; warnings: string[] } {
  const out: string[] = [];
  const warnings: string[] = [];
  return {
    out: (t) => out.push(t),
    warn: (l) => warnings.push(l),
    now: () => now,
    env: {},
    timeoutMs: 5_000,
    text: () => out.join(""),
    warnings,
  };
}

const decode = (b64: string) => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

function secretData(api: TestApiServer, id: string): Record<string, string> | undefined {
  const s = api.get(`${SECRETS}/bootstrap-token-${id}`);
  if (!s) return undefined;
  assertEquals(s.type, "bootstrap.kubernetes.io/token");
  return Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, decode(v)]));
}

const writes = (api: TestApiServer) => api.requests.filter((r) => r.method !== "GET").length;

// ---------------------------------------------------------------- create

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

// ---------------------------------------------------------------- list

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

// ---------------------------------------------------------------- delete

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

// ---------------------------------------------------------------- the CLI

async function kadm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

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

// ---------------------------------------------------------------- lib/tokens.ts against kubeadm's vectors

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
