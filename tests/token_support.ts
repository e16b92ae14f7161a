/**
 * A test API server whose cluster CA is made with lib/pki, with an admin kubeconfig for it, and an
 * in-memory TokenIO: the harness shared by the token_*_test.ts files.
 */
import { assertEquals } from "./_std.ts";
import { tempDir } from "./_assert.ts";
import { startTestApiServer, type TestApiServer } from "./support/apiserver.ts";
import { testKeySource } from "./support/keys.ts";
import { certToPem, createCertificate } from "../lib/pki/certs.ts";
import { privateKeyToPem } from "../lib/pki/keys.ts";
import { renderKubeconfig } from "../lib/kubeconfig.ts";
import type { TokenIO } from "../cli/token.ts";

export const GROUP = "system:bootstrappers:kubeadm:default-node-token";
export const SECRETS = "/api/v1/namespaces/kube-system/secrets";
export const HOUR = 3_600_000;

export interface Cluster extends AsyncDisposable {
  readonly api: TestApiServer;
  readonly kubeconfig: string;
  readonly caFile: string;
}

/** A test API server whose cluster CA is an RSA CA made with lib/pki, and an admin.conf for it. */
export async function cluster(): Promise<Cluster> {
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

export function memIO(now = Date.now()): TokenIO & { text(): string; warnings: string[] } {
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

export function secretData(api: TestApiServer, id: string): Record<string, string> | undefined {
  const s = api.get(`${SECRETS}/bootstrap-token-${id}`);
  if (!s) return undefined;
  assertEquals(s.type, "bootstrap.kubernetes.io/token");
  return Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, decode(v)]));
}

export const writes = (api: TestApiServer) => api.requests.filter((r) => r.method !== "GET").length;
