/**
 * Seeded mini-fuzz: 1200 configs, three in four mutations of the testdata configs, one in four built
 * at random. Each must load or be refused with a
 * UserError; what loads must also render (stored configs, images, migrate) without throwing.
 */
import assert from "node:assert/strict";
import { parseAllDocuments, stringify } from "yaml";
import { UserError } from "../lib/errors.ts";
import { migrateConfig } from "../lib/config/commands.ts";
import { imagesFor } from "../lib/config/images.ts";
import { renderClusterStatus, renderStoredClusterConfiguration } from "../lib/config/render.ts";
import { load, readData, REFERENCE_INPUT } from "./config_support.ts";

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  Deno.readTextFileSync(REFERENCE_INPUT),
  ...[
    "reference-v1alpha1.yaml",
    "reference-v1beta3.yaml",
    "reference-v1beta4.yaml",
    "kubeadm196.yaml",
    "full-v1beta4.yaml",
    "full-v1beta2.yaml",
  ]
    .map(readData),
];
const VALUES: unknown[] = [
  null,
  "",
  0,
  -1,
  65536,
  6443,
  1.5,
  true,
  "yes",
  "24h",
  "0",
  "-5m",
  "v1.20.2",
  "v1.34.0",
  "stable-1.25",
  "ci/latest",
  "10.0.0.0/8",
  "fd00::/64",
  "10.96.0.0/12,fd00:96::/112",
  "::1",
  "0.0.0.0",
  "abcdef.0123456789abcdef",
  "ALL",
  "all",
  "NoSchedule",
  "ECDSA-P384",
  "kube-dns",
  "CoreDNS",
  "/abs",
  "rel",
  "a".repeat(300),
  [],
  {},
  [1, 2],
  { a: 1 },
  [{ name: "x", value: "y" }],
  { x: "y" },
  ["Swap", "all"],
  { SelfHosting: true },
  { PublicKeysECDSA: true },
  { IPv6DualStack: true },
  "k8s.gcr.io",
  "gcr.io/google_containers",
  "2030-01-01T00:00:00Z",
  "1h30m",
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** Paths of every node inside a plain value. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  }
  return out;
}

function mutateValue(r: () => number, doc: unknown): unknown {
  const all = paths(doc).filter((p) => p.length > 0);
  if (all.length === 0) return doc;
  const path = pick(r, all);
  let parent = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const op = r();
  if (op < 0.2 && !Array.isArray(parent)) delete parent[last];
  else if (op < 0.3 && !Array.isArray(parent)) parent[`${String(last)}x`] = pick(r, VALUES);
  else parent[last] = structuredClone(pick(r, VALUES));
  return doc;
}

function mutateText(r: () => number, text: string): string {
  const lines = text.split("\n");
  const i = Math.floor(r() * lines.length);
  const op = r();
  if (op < 0.25) lines.splice(i, 1);
  else if (op < 0.5) lines.splice(i, 0, lines[Math.floor(r() * lines.length)]!);
  else if (op < 0.75) lines[i] = (lines[i] ?? "").slice(0, Math.floor(r() * (lines[i]?.length ?? 0)));
  else lines[i] = `${lines[i] ?? ""}${pick(r, [":", " [", "'", " &a", " *a", "\t", "- x", " {", "---"])}`;
  return lines.join("\n");
}

function mutate(r: () => number, text: string): string {
  if (r() < 0.3) return mutateText(r, text);
  const docs = Array.from(parseAllDocuments(text)).map((d) => d.toJS());
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * docs.length);
    docs[i] = mutateValue(r, docs[i]);
  }
  return docs.map((d) => stringify(d)).join("---\n");
}

/** At least 1000 (the host-safety issue); seeded, so every run feeds the same configs. */
const CASES = 1200;

const API_VERSIONS = [
  "kubeadm.k8s.io/v1alpha1",
  "kubeadm.k8s.io/v1beta2",
  "kubeadm.k8s.io/v1beta3",
  "kubeadm.k8s.io/v1beta4",
  "kubelet.config.k8s.io/v1beta1",
  "kubeproxy.config.k8s.io/v1alpha1",
  "v1",
  "",
];
const KINDS = [
  "InitConfiguration",
  "ClusterConfiguration",
  "MasterConfiguration",
  "KubeletConfiguration",
  "KubeProxyConfiguration",
  "JoinConfiguration",
  "Pod",
];
const KEYS = [
  "kubernetesVersion",
  "networking",
  "podSubnet",
  "serviceSubnet",
  "dnsDomain",
  "localAPIEndpoint",
  "advertiseAddress",
  "bindPort",
  "nodeRegistration",
  "name",
  "criSocket",
  "taints",
  "bootstrapTokens",
  "token",
  "ttl",
  "etcd",
  "local",
  "external",
  "endpoints",
  "apiServer",
  "certSANs",
  "extraArgs",
  "featureGates",
  "controlPlaneEndpoint",
  "imageRepository",
  "certificatesDir",
  "encryptionAlgorithm",
  "timeouts",
  "dns",
  "proxy",
  "api",
  "value",
];

/** A config built from scratch: 1-3 documents of random known kinds with random known keys and values. */
function randomConfig(r: () => number): string {
  const value = (depth: number): unknown => {
    const x = r();
    if (depth > 2 || x < 0.6) return pick(r, VALUES);
    if (x < 0.8) return Array.from({ length: Math.floor(r() * 3) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: 1 + Math.floor(r() * 3) }, () => [pick(r, KEYS), value(depth + 1)]),
    );
  };
  const docs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
    const d: Record<string, unknown> = { apiVersion: pick(r, API_VERSIONS), kind: pick(r, KINDS) };
    for (let k = Math.floor(r() * 6); k > 0; k--) d[pick(r, KEYS)] = value(0);
    return d;
  });
  return docs.map((d) => stringify(d)).join("---\n");
}

Deno.test("1200 seeded random and mutated configs are each accepted or refused with a UserError", () => {
  const r = prng(20260101);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const text = i % 4 === 3 ? randomConfig(r) : mutate(r, pick(r, SEEDS));
    try {
      const { cfg } = load(text);
      for (const api of ["v1beta2", "v1beta3", "v1beta4"] as const) {
        renderStoredClusterConfiguration(cfg, api);
      }
      renderClusterStatus(cfg);
      imagesFor(cfg);
      migrateConfig(text, "fuzz.yaml");
      accepted++;
    } catch (e) {
      if (!(e instanceof UserError)) {
        throw new Error(`case ${i} threw ${e instanceof Error ? e.stack : e}\n--- input ---\n${text}`);
      }
      assert.ok(e.message.length > 0 && !e.message.includes("undefined"), `case ${i}: ${e.message}`);
      refused++;
    }
  }
  assert.equal(accepted + refused, CASES);
  assert.ok(accepted > 20 && refused > 20, `accepted ${accepted}, refused ${refused}`);
});
