/**
 * Client-side helpers for tests against the test API server: a mutual-TLS fetch client, one-call
 * requests returning status, headers and parsed body, a SelfSubjectReview ("who am I"), bootstrap
 * token Secrets as kubeadm writes them, an admin kubeconfig for kubectl, and a disposable temp dir.
 */
import type { CertPair, TestApiServer } from "./apiserver.ts";

export interface Answer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

export function clientFor(api: TestApiServer, cert?: CertPair, caPem = api.caPem): Deno.HttpClient {
  return Deno.createHttpClient(
    cert ? { caCerts: [caPem], cert: cert.certPem, key: cert.keyPem } : { caCerts: [caPem] },
  );
}

export async function call(
  api: TestApiServer,
  client: Deno.HttpClient,
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "Content-Type": opts.contentType ?? "application/json" };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const r = await fetch(api.url + path, {
    client,
    method,
    headers,
    body: opts.body === undefined
      ? undefined
      : typeof opts.body === "string"
      ? opts.body
      : JSON.stringify(opts.body),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* text */ }
  return { status: r.status, headers: r.headers, body };
}

export const cm = (name: string, data: Record<string, string> = { k: "v" }) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data,
});

export const b64 = (s: string) => btoa(s);

export function tokenSecret(id: string, secret: string, extra: Record<string, string> = {}) {
  const data: Record<string, string> = {
    "token-id": id,
    "token-secret": secret,
    "usage-bootstrap-authentication": "true",
    "usage-bootstrap-signing": "true",
    "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
    ...extra,
  };
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "bootstrap.kubernetes.io/token",
    metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

export async function whoami(api: TestApiServer, client: Deno.HttpClient, token?: string): Promise<Answer> {
  return await call(api, client, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    token,
  });
}

export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "kadm-apiserver-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

export function kubeconfig(api: TestApiServer, cert: CertPair): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${b64(api.caPem)}`,
    `    server: ${api.url}`,
    "  name: kubernetes",
    "contexts:",
    "- context: {cluster: kubernetes, user: admin}",
    "  name: admin",
    "current-context: admin",
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate-data: ${b64(cert.certPem)}`,
    `    client-key-data: ${b64(cert.keyPem)}`,
    "",
  ].join("\n");
}
