/**
 * End-to-end helpers: a real `kadm init` (all phases, files under a temp root) against the test API
 * server on 127.0.0.1. The config a test uses (advertise address 127.0.0.1, bindPort = the server's
 * port, the kubelet's healthz port and the controller-manager/scheduler secure ports pointing at small
 * local health servers), the root with its cluster CA, in-process runs of init and its phases with a
 * memory logger, and readers over the server's request log (successful creates per object).
 *
 *   await using env = await e2eEnv("v1.34.7");                   // root + CA + health servers
 *   await using api = await env.startApi();                     // the test server with that CA
 *   await env.writeConfig({ apiPort: api.port });               // the config for that server
 *   const run = await env.init();                               // kadm init, all phases
 */
import https from "node:https";
import { join } from "node:path";
import { runInit, runInitPhase } from "../../cli/init.ts";
import { memoryLogger } from "../../lib/log.ts";
import { openssl, opensslBytes } from "../_assert.ts";
import {
  createTestCa,
  issueCert,
  startTestApiServer,
  type TestApiServer,
  type TestApiServerOptions,
} from "./apiserver.ts";

export const NODE = "master-1";
export const TOKEN = "abcdef.0123456789abcdef";
export const POD_SUBNET = "10.244.0.0/16";
export type E2eVersion = "v1.20.2" | "v1.34.7";

/** Ports of the local health endpoints wait-control-plane checks (v1.29+). */
export interface HealthPorts {
  readonly kubelet: number;
  readonly controllerManager: number;
  readonly scheduler: number;
}

export interface ConfigOptions {
  readonly version: E2eVersion;
  readonly apiPort: number;
  readonly health?: HealthPorts;
  /** v1beta4 `timeouts` (Go durations), e.g. { kubernetesAPICall: "10s" }. */
  readonly timeouts?: Readonly<Record<string, string>>;
  /** Leave bootstrapTokens out (kadm generates one). */
  readonly generatedToken?: boolean;
  /** ClusterConfiguration featureGates, e.g. { SelfHosting: true }. */
  readonly featureGates?: Readonly<Record<string, boolean>>;
}

/** The init config of an e2e run: v1beta2 for v1.20, v1beta4 (+ KubeletConfiguration) for v1.34. */
export function e2eConfig(o: ConfigOptions): string {
  const v1beta4 = o.version !== "v1.20.2";
  const api = v1beta4 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta2";
  const socket = v1beta4 ? "unix:///run/containerd/containerd.sock" : "/run/containerd/containerd.sock";
  const init = [
    `apiVersion: ${api}`,
    "kind: InitConfiguration",
    "localAPIEndpoint:",
    "  advertiseAddress: 127.0.0.1",
    `  bindPort: ${o.apiPort}`,
    "nodeRegistration:",
    `  name: ${NODE}`,
    `  criSocket: ${socket}`,
    ...(o.generatedToken ? [] : ["bootstrapTokens:", `- token: ${TOKEN}`]),
    ...(o.timeouts && v1beta4
      ? ["timeouts:", ...Object.entries(o.timeouts).map(([k, v]) => `  ${k}: ${v}`)]
      : []),
  ];
  const cluster = [
    `apiVersion: ${api}`,
    "kind: ClusterConfiguration",
    `kubernetesVersion: ${o.version}`,
    ...(o.featureGates
      ? ["featureGates:", ...Object.entries(o.featureGates).map(([k, v]) => `  ${k}: ${v}`)]
      : []),
    "networking:",
    `  podSubnet: ${POD_SUBNET}`,
    ...(o.health && v1beta4
      ? [
        "controllerManager:",
        "  extraArgs:",
        "  - name: secure-port",
        `    value: "${o.health.controllerManager}"`,
        "scheduler:",
        "  extraArgs:",
        "  - name: secure-port",
        `    value: "${o.health.scheduler}"`,
      ]
      : []),
  ];
  const kubelet = o.health && v1beta4
    ? [
      "apiVersion: kubelet.config.k8s.io/v1beta1",
      "kind: KubeletConfiguration",
      "healthzBindAddress: 127.0.0.1",
      `healthzPort: ${o.health.kubelet}`,
    ]
    : [];
  return [init, cluster, ...(kubelet.length ? [kubelet] : [])].map((d) => d.join("\n") + "\n").join("---\n");
}

/** The kubelet's healthz (HTTP) and the controller-manager/scheduler health (HTTPS, self-signed): `ok`. */
export async function startHealthServers(): Promise<HealthPorts & AsyncDisposable> {
  const ac = new AbortController();
  const kubelet = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    () => new Response("ok"),
  );
  const ca = await createTestCa("component-test-ca");
  const serving = await issueCert(ca, { cn: "component", ips: ["127.0.0.1"], usage: "serverAuth" });
  const tls = await Promise.all([0, 1].map(() =>
    new Promise<https.Server>((resolve) => {
      const s = https.createServer({ key: serving.keyPem, cert: serving.certPem }, (_q, res) => {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
      });
      s.listen(0, "127.0.0.1", () => resolve(s));
    })
  ));
  const portOf = (s: https.Server) => (s.address() as { port: number }).port;
  return {
    kubelet: kubelet.addr.port,
    controllerManager: portOf(tls[0]!),
    scheduler: portOf(tls[1]!),
    async [Symbol.asyncDispose]() {
      ac.abort();
      await kubelet.finished;
      await Promise.all(tls.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((r) => s.close(() => r()));
      }));
    },
  };
}

/** `p`, or a rejection naming `what` after `ms` (every e2e wait is time-boxed). */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What one in-process kadm run printed, and how it ended. */
export interface RunResult {
  readonly lines: string[];
  readonly warnings: string[];
  readonly error?: Error;
}

/** Runs `kadm init` in-process (all phases); never throws: the error is in the result. */
export async function initInProcess(root: string, cfgPath: string): Promise<RunResult> {
  const log = memoryLogger();
  try {
    await runInit({ rootfs: root, config: cfgPath, ignorePreflightErrors: ["all"] }, log);
    return { lines: log.lines, warnings: log.warnings };
  } catch (e) {
    return { lines: log.lines, warnings: log.warnings, error: e as Error };
  }
}

/** `kadm init phase <words>` in-process; throws what the phase throws. */
export async function phaseInProcess(words: readonly string[], root: string, cfgPath: string) {
  const log = memoryLogger();
  await runInitPhase(words, { rootfs: root, config: cfgPath, ignorePreflightErrors: ["all"] }, log);
  return log;
}

/** A temp root with a cluster CA (`kadm init phase certs ca`), health servers and the test server. */
export interface E2eEnv extends AsyncDisposable {
  readonly root: string;
  readonly cfgPath: string;
  readonly health: HealthPorts;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  /** Starts the test server with the root's CA and a Node registering after ~300 ms. */
  startApi(o?: TestApiServerOptions): Promise<TestApiServer>;
  /** Writes the config for a server port (the API port must be known before init). */
  writeConfig(o: Omit<ConfigOptions, "version" | "health">): Promise<void>;
  init(): Promise<RunResult>;
}

export async function e2eEnv(version: E2eVersion): Promise<E2eEnv> {
  const root = await Deno.makeTempDir({ prefix: "kadm-e2e-" });
  const cfgPath = join(root, "kadm-config.yaml");
  const health = await startHealthServers();
  const write = (o: Omit<ConfigOptions, "version" | "health">) =>
    Deno.writeTextFile(cfgPath, e2eConfig({ version, health, ...o }));
  try {
    // The CA first: the server must serve a certificate from the cluster CA kadm will trust.
    await write({ apiPort: 6443 });
    await phaseInProcess(["certs", "ca"], root, cfgPath);
  } catch (e) {
    await health[Symbol.asyncDispose]();
    await Deno.remove(root, { recursive: true });
    throw e;
  }
  const pki = join(root, "etc/kubernetes/pki");
  const caCertPem = await Deno.readTextFile(join(pki, "ca.crt"));
  const caKeyPem = await Deno.readTextFile(join(pki, "ca.key"));
  return {
    root,
    cfgPath,
    health,
    caCertPem,
    caKeyPem,
    startApi: (o = {}) =>
      startTestApiServer({
        caCertPem,
        caKeyPem,
        node: { name: NODE, delayMs: 300 },
        gitVersion: version,
        ...o,
      }),
    writeConfig: write,
    init: () => within(90_000, "kadm init", initInProcess(root, cfgPath)),
    async [Symbol.asyncDispose]() {
      await health[Symbol.asyncDispose]();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** sha256:<hex> of the CA's DER SubjectPublicKeyInfo, computed by openssl (kubeadm's CA cert hash). */
export async function opensslCaHash(caCrtPath: string): Promise<string> {
  const pub = await openssl(["x509", "-pubkey", "-noout", "-in", caCrtPath]);
  const der = await opensslBytes(["pkey", "-pubin", "-outform", "der"], pub);
  const dgst = await openssl(["dgst", "-sha256"], der);
  return `sha256:${dgst.trim().split(/\s+/).at(-1)}`;
}

/** "<collection path>/<name>" of each object a POST created (201), with how many times. */
export function successfulCreates(api: TestApiServer): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of api.requests) {
    if (r.method !== "POST" || r.code !== 201) continue;
    const name = (r.body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
    if (!name) continue; // reviews (SelfSubjectReview) have no name
    const key = `${r.path}/${name}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Every stored object as "<kind> <namespace>/<name>" (sorted), to compare stores. */
export function storeKeys(api: TestApiServer): string[] {
  return api.objects().map((o) => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`).sort();
}

/** kadm as a user runs it (a subprocess of main.ts), time-boxed; stdout and stderr as text. */
export async function kadmSubprocess(
  args: readonly string[],
  ms = 90_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(ms),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** `kubectl auth whoami` with a kubeconfig: the user name and groups the server authenticated. */
export async function kubectlWhoami(kubeconfig: string): Promise<{ username: string; groups: string[] }> {
  const out = await new Deno.Command("kubectl", {
    args: ["--kubeconfig", kubeconfig, "auth", "whoami", "-o", "json"],
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const dec = new TextDecoder();
  if (out.code !== 0) {
    throw new Error(`kubectl auth whoami --kubeconfig ${kubeconfig}: ${dec.decode(out.stderr)}`);
  }
  const info = JSON.parse(dec.decode(out.stdout)).status.userInfo;
  return { username: info.username, groups: info.groups ?? [] };
}

/** The objects kadm init creates (successfulCreates keys) for a version and bootstrap token id. */
export function expectedCreates(version: E2eVersion, tokenId: string): string[] {
  const ks = "/api/v1/namespaces/kube-system", kp = "/api/v1/namespaces/kube-public";
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  const kubeletCm = version === "v1.20.2" ? "kubelet-config-1.20" : "kubelet-config";
  return [
    ...(version === "v1.20.2" ? [] : [`${rbac}/clusterrolebindings/kubeadm:cluster-admins`]),
    ...["kubeadm-config", kubeletCm, "coredns", "kube-proxy"].map((n) => `${ks}/configmaps/${n}`),
    ...["kubeadm:nodes-kubeadm-config", `kubeadm:${kubeletCm}`, "kube-proxy"].flatMap((n) => [
      `${rbac}/namespaces/kube-system/roles/${n}`,
      `${rbac}/namespaces/kube-system/rolebindings/${n}`,
    ]),
    `${ks}/secrets/bootstrap-token-${tokenId}`,
    `${rbac}/clusterroles/kubeadm:get-nodes`,
    `${rbac}/clusterroles/system:coredns`,
    ...[
      "kubeadm:get-nodes",
      "kubeadm:kubelet-bootstrap",
      "kubeadm:node-autoapprove-bootstrap",
      "kubeadm:node-autoapprove-certificate-rotation",
      "system:coredns",
      "kubeadm:node-proxier",
    ].map((n) => `${rbac}/clusterrolebindings/${n}`),
    `${kp}/configmaps/cluster-info`,
    `${rbac}/namespaces/kube-public/roles/kubeadm:bootstrap-signer-clusterinfo`,
    `${rbac}/namespaces/kube-public/rolebindings/kubeadm:bootstrap-signer-clusterinfo`,
    `${ks}/serviceaccounts/coredns`,
    `${ks}/serviceaccounts/kube-proxy`,
    "/apis/apps/v1/namespaces/kube-system/deployments/coredns",
    "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy",
    `${ks}/services/kube-dns`,
  ].sort();
}
