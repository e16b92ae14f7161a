/**
 * The dry-run printer of the cluster's minor: kubeadm's reactor printer up to v1.31 ("classic") and the
 * DryRun client of v1.32+ (util/apiclient/dryrun.go): name-and-namespace lines, "Real object does not
 * exist" for GET/LIST, unindented objects followed by a blank line, the fake patched Node instead of the
 * patch. Secret data stays redacted in both.
 */
import { assert, assertEquals } from "./_std.ts";
import { tempDir } from "./_assert.ts";
import { memoryLogger } from "../lib/log.ts";
import { newDryRunClient } from "../lib/kubeapi.ts";
import { runInit } from "../cli/init.ts";

function client(style: "classic" | "v1.32") {
  const log = memoryLogger();
  return { log, c: newDryRunClient({ log, format: { style } }) };
}

const SECRET = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "s", namespace: "kube-system" },
  data: { "token-secret": "c2VjcmV0" },
};

Deno.test("the v1.32 printer names the namespace, says the real object is missing and prints the fake Node", async () => {
  const { log, c } = client("v1.32");
  await c.get({ apiVersion: "v1", kind: "Node", name: "m1" });
  await c.get({ apiVersion: "v1", kind: "Secret", namespace: "kube-system", name: "bootstrap-token-abcdef" })
    .catch(() => {});
  await c.list({ apiVersion: "apps/v1", kind: "Deployment", namespace: "kube-system" });
  await c.patch(
    { apiVersion: "v1", kind: "Node", name: "m1" },
    { metadata: { labels: { a: "" } } },
    "strategic",
  );
  await c.create(SECRET);
  const missing = (v: string) =>
    `[dryrun] Real object does not exist. Attempting to ${v} from followup reactors or from the fake client tracker`;
  const node = [
    "[dryrun] Attached object:",
    "apiVersion: v1",
    "kind: Node",
    "metadata:",
    "  annotations: {}",
    "  creationTimestamp: null",
    "  labels:",
    "    kubernetes.io/hostname: m1",
    "  name: m1",
    "",
  ];
  assertEquals(log.lines, [
    '[dryrun] Would perform action GET on resource "nodes" in API group "core/v1"',
    '[dryrun] Resource name "m1", namespace ""',
    missing("GET"),
    ...node,
    '[dryrun] Would perform action GET on resource "secrets" in API group "core/v1"',
    '[dryrun] Resource name "bootstrap-token-abcdef", namespace "kube-system"',
    missing("GET"),
    '[dryrun] Would perform action LIST on resource "deployments" in API group "apps/v1"',
    missing("LIST"),
    '[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"',
    '[dryrun] Resource name "m1", namespace ""',
    ...node,
    '[dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"',
    "[dryrun] Attached object:",
    "apiVersion: v1",
    "data:",
    "  token-secret: <redacted>",
    "kind: Secret",
    "metadata:",
    "  creationTimestamp: null",
    "  name: s",
    "  namespace: kube-system",
    "",
  ]);
});

Deno.test("the classic printer keeps kubeadm v1.20's lines: tab-indented objects and the patch", async () => {
  const { log, c } = client("classic");
  await c.patch(
    { apiVersion: "v1", kind: "Node", name: "m1" },
    { metadata: { labels: { a: "" } } },
    "strategic",
  );
  await c.create(SECRET);
  assertEquals(log.lines, [
    '[dryrun] Would perform action PATCH on resource "nodes" in API group "core/v1"',
    '[dryrun] Resource name: "m1"',
    "[dryrun] Attached patch:",
    '\t{"metadata":{"labels":{"a":""}}}',
    '[dryrun] Would perform action CREATE on resource "secrets" in API group "core/v1"',
    "[dryrun] Attached object:",
    "\tapiVersion: v1",
    "\tdata:",
    "\t  token-secret: <redacted>",
    "\tkind: Secret",
    "\tmetadata:",
    "\t  creationTimestamp: null",
    "\t  name: s",
    "\t  namespace: kube-system",
  ]);
});

Deno.test("init --dry-run prints with the printer of the chosen minor: classic to v1.31, the new one from v1.32", async () => {
  for (const [version, modern] of [["v1.31.14", false], ["v1.32.8", true]] as const) {
    await using dir = await tempDir();
    const log = memoryLogger();
    await runInit({
      dryRun: true,
      dryRunDir: dir.path,
      kubernetesVersion: version,
      apiserverAdvertiseAddress: "10.0.0.10",
      nodeName: "m1",
      token: "abcdef.0123456789abcdef",
      ignorePreflightErrors: ["all"],
    }, log);
    const out = log.lines.join("\n");
    assertEquals(out.includes('[dryrun] Resource name: "m1"'), !modern, version);
    assertEquals(out.includes('[dryrun] Resource name "m1", namespace ""'), modern, version);
    assertEquals(out.includes("[dryrun] Attached patch:"), !modern, version);
    assert(!out.includes(btoa("0123456789abcdef")), `${version}: the token secret is printed`);
  }
});
