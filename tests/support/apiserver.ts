/**
 * A test API server that behaves like kube-apiserver where kadm touches it: HTTPS on 127.0.0.1 (random
 * port) with the cluster CA, client-certificate and bootstrap-token authentication, RBAC over the
 * objects it stores, the REST verbs with kube-apiserver's Status answers, health, version and
 * discovery (enough for kubectl), a Node that registers after a delay, and fault injection (first N
 * calls fail with 500/503/429, delays, dropped connections, a server that starts listening late).
 *
 *   await using api = await startTestApiServer({ node: { name: "master-1", delayMs: 200 } });
 *   const admin = await api.issueClientCert("kubernetes-admin", ["system:masters"]);
 *   // point the client at api.url with api.caPem, admin.certPem, admin.keyPem
 *   api.get("/api/v1/namespaces/kube-public/configmaps/cluster-info");
 *
 * Split: apiserver_types.ts (resource table, Status), apiserver_store.ts, apiserver_auth.ts,
 * apiserver_rest.ts, apiserver_select.ts (label/field selectors), apiserver_pods.ts (Pod defaults and
 * graceful deletion), apiserver_validate.ts, apiserver_patch.ts, apiserver_certs.ts, apiserver_faults.ts,
 * apiserver_discovery.ts, apiserver_signer.ts. The node's kubelet and DaemonSet controller: kubelet_sim.ts.
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, authorize, bootstrapPolicy, forbidden, type UserInfo } from "./apiserver_auth.ts";
import {
  type CertPair,
  createTestCa,
  issueCert,
  issueClientCert,
  loadTestCa,
  type TestCa,
} from "./apiserver_certs.ts";
import { discovery, versionInfo } from "./apiserver_discovery.ts";
import { type FaultAction, type FaultControl, faultControl, type FaultRule } from "./apiserver_faults.ts";
import { requestInfo, serveResource } from "./apiserver_rest.ts";
import { signClusterInfo } from "./apiserver_signer.ts";
import { ObjectStore } from "./apiserver_store.ts";
import { ApiError, errors, findResource, type KubeObject } from "./apiserver_types.ts";

export type { CertPair, KubeObject, TestCa, UserInfo };
export { createTestCa, issueCert, issueClientCert };
export type { FaultAction, FaultControl, FaultMatch, FaultRule } from "./apiserver_faults.ts";

export interface LoggedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: string;
  readonly contentType: string;
  /** The request body parsed as JSON where it was JSON. */
  readonly body: unknown;
  /** Milliseconds since the server started. */
  readonly at: number;
  /** Set once authenticated (absent for dropped/faulted requests). */
  user?: string;
  groups?: readonly string[];
  /** HTTP status sent; 0 for a dropped connection. */
  code: number;
  /** The fault that answered or delayed it. */
  fault?: FaultAction["kind"];
}

export interface TestApiServerOptions {
  /** The cluster CA (e.g. kadm's pki/ca.crt and ca.key); default: a new CA. */
  readonly caCertPem?: string;
  readonly caKeyPem?: string;
  /** The serving certificate's names and signer; default localhost + 127.0.0.1, signed by the cluster CA. */
  readonly serving?: {
    readonly dnsNames?: readonly string[];
    readonly ips?: readonly string[];
    /** "other-ca": signed by an unrelated CA (exposed as servingCaPem), to test client-side verification. */
    readonly signer?: "cluster-ca" | "other-ca";
  };
  /** `/version` gitVersion (default v1.34.7). */
  readonly gitVersion?: string;
  /** The kubelet registering its Node `delayMs` after the server listens. */
  readonly node?: {
    readonly name: string;
    readonly delayMs?: number;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly taints?: readonly KubeObject[];
  };
  /** Listen only this long after start (the URL and port are known at once; connections are refused until then). */
  readonly startDelayMs?: number;
  /** Objects stored before the first request (beside the namespaces and bootstrap RBAC policy). */
  readonly objects?: readonly KubeObject[];
  readonly faults?: readonly FaultRule[];
  /**
   * Run the bootstrap signer controller: keep `jws-kubeconfig-<id>` keys in kube-public/cluster-info for
   * every signing bootstrap token, shortly after each change (as kube-controller-manager does). Default off.
   */
  readonly bootstrapSigner?: boolean;
}

export interface TestApiServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** The cluster CA (which signs client certificates and, by default, the serving certificate). */
  readonly ca: TestCa;
  readonly caPem: string;
  /** The CA that signed the serving certificate (== caPem unless serving.signer is "other-ca"). */
  readonly servingCaPem: string;
  /** Resolves once the server listens. */
  readonly listening: Promise<void>;
  readonly faults: FaultControl;
  /** Every request so far, in arrival order. */
  readonly requests: readonly LoggedRequest[];
  /** A stored object by REST path, e.g. "/api/v1/namespaces/kube-system/configmaps/kubeadm-config". */
  get(path: string): KubeObject | undefined;
  /** Stored objects under a REST collection path, e.g. "/apis/rbac.authorization.k8s.io/v1/clusterroles". */
  list(path: string): KubeObject[];
  /** Every stored object. */
  objects(): KubeObject[];
  /** Stores (creates or replaces) an object, bypassing authentication and validation. */
  seed(obj: KubeObject): KubeObject;
  /**
   * Deletes the object at a REST path at once (no grace period, no cascade), bypassing authentication;
   * returns what was stored, or undefined when nothing was (a GET then answers 404 NotFound).
   */
  remove(path: string): KubeObject | undefined;
  /** Resolves once the simulated controllers (bootstrap signer) have caught up with every write. */
  controllersIdle(): Promise<void>;
  /** A client certificate signed by the cluster CA. */
  issueClientCert(cn: string, orgs?: readonly string[]): Promise<CertPair>;
  stop(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    req.on("data", (c: Uint8Array) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => {
      if (size > MAX_BODY) {
        reject(
          new ApiError(413, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: "Request entity too large",
            reason: "RequestEntityTooLarge",
            code: 413,
          }),
        );
      } else resolve(new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))));
    });
    req.on("error", reject);
  });
}

function kubeletNode(o: NonNullable<TestApiServerOptions["node"]>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.name,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": o.name,
        "kubernetes.io/os": "linux",
        ...o.labels,
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        ...o.annotations,
      },
    },
    spec: o.taints ? { taints: structuredClone(o.taints) } : {},
    status: { nodeInfo: { kubeletVersion: "" }, conditions: [] },
  };
}

async function reservePort(): Promise<number> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await sleep(0);
  return port;
}

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const t0 = performance.now();
  const ca = opts.caCertPem && opts.caKeyPem
    ? await loadTestCa(opts.caCertPem, opts.caKeyPem)
    : await createTestCa();
  const servingCa = opts.serving?.signer === "other-ca" ? await createTestCa("other-ca") : ca;
  const serving = await issueCert(servingCa, {
    cn: "kube-apiserver",
    dnsNames: opts.serving?.dnsNames ?? ["localhost"],
    ips: opts.serving?.ips ?? ["127.0.0.1"],
    usage: "serverAuth",
  });
  const store = new ObjectStore();
  for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system"]) {
    store.seed({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }
  for (const o of bootstrapPolicy()) store.seed(o);
  for (const o of opts.objects ?? []) store.seed(structuredClone(o));
  let signing: Promise<unknown> = Promise.resolve();
  if (opts.bootstrapSigner) {
    store.onChange = (ri, obj) => {
      const ns = obj.metadata?.namespace;
      const relevant =
        (ri.resource === "configmaps" && ns === "kube-public" && obj.metadata?.name === "cluster-info") ||
        (ri.resource === "secrets" && ns === "kube-system" && obj.type === "bootstrap.kubernetes.io/token");
      if (relevant) signing = signing.then(() => signClusterInfo(store)).catch(() => {});
    };
    signing = signClusterInfo(store).catch(() => {});
  }
  const faults = faultControl(opts.faults ?? []);
  const log: LoggedRequest[] = [];
  const gitVersion = opts.gitVersion ?? "v1.34.7";
  const port = await reservePort();
  const url = `https://127.0.0.1:${port}`;

  const send = (
    res: ServerResponse,
    code: number,
    body: KubeObject | string,
    headers: Record<string, string> = {},
  ) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(code, {
      "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
      "Cache-Control": "no-cache, private",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? "GET").toUpperCase();
    const u = new URL(req.url ?? "/", url);
    const contentType = String(req.headers["content-type"] ?? "");
    let text = "";
    try {
      text = await readBody(req);
    } catch {
      // answered below as a bad request if it matters
    }
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const entry: LoggedRequest = {
      method,
      path: u.pathname,
      query: u.search,
      contentType,
      body,
      at: performance.now() - t0,
      code: 0,
    };
    log.push(entry);
    const reply = (code: number, b: KubeObject | string, headers?: Record<string, string>) => {
      entry.code = code;
      send(res, code, b, headers);
    };
    try {
      for (const f of faults.take(method, u.pathname)) {
        entry.fault = f.kind;
        if (f.kind === "delay") await sleep(f.ms);
        else if (f.kind === "drop") {
          req.socket.destroy();
          return;
        } else {
          const e = f.code === 429
            ? errors.tooManyRequests(f.retryAfterSeconds ?? 1)
            : f.code === 503
            ? errors.serviceUnavailable()
            : errors.internal("injected fault");
          return reply(e.code, e.status, { ...e.headers });
        }
      }
      // deno-lint-ignore no-explicit-any
      const peer = (req.socket as any).getPeerCertificate?.(false);
      const certDer = peer?.raw ? new Uint8Array(peer.raw) : undefined;
      const user: UserInfo = await authenticate(
        { certDer, authorization: req.headers.authorization },
        ca.cert,
        store,
        new Date(),
      );
      entry.user = user.name;
      entry.groups = user.groups;
      const info = requestInfo(method, u.pathname, u.searchParams);
      if (!authorize(store, user, info)) throw forbidden(user, info);
      if (!info.resourceRequest) {
        const p = u.pathname;
        if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(p)) return reply(200, "ok");
        if (p === "/version" || p === "/version/") return reply(200, versionInfo(gitVersion));
        const d = discovery(p.replace(/\/$/, "") || "/", `127.0.0.1:${port}`);
        if (d && method === "GET") return reply(200, d);
        throw errors.noRoute();
      }
      const r = serveResource(store, info, method, u.searchParams, text, contentType, user);
      return reply(r.code, r.body);
    } catch (e) {
      if (e instanceof ApiError) return reply(e.code, e.status, { ...e.headers });
      const err = errors.internal(e instanceof Error ? e.message : String(e));
      return reply(err.code, err.status);
    }
  };

  const server = https.createServer({
    key: serving.keyPem,
    cert: serving.certPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const sockets = new Set<{ destroy(): void }>();
  const track = (s: { destroy(): void; on(ev: string, f: () => void): void }) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  server.on("connection", track);
  server.on("secureConnection", track);

  const timers: ReturnType<typeof setTimeout>[] = [];
  let stopped = false;
  let isListening = false;
  // stop() before a delayed start settles the wait itself (the start timer is cancelled).
  let settleListening = () => {};
  const listening = new Promise<void>((resolve, reject) => {
    settleListening = resolve;
    const listen = () => {
      if (stopped) return resolve();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        isListening = true;
        if (opts.node) {
          const node = kubeletNode(opts.node);
          const register = () => {
            if (!stopped) store.seed(node);
          };
          if ((opts.node.delayMs ?? 0) <= 0) register();
          else timers.push(setTimeout(register, opts.node.delayMs));
        }
        resolve();
      });
    };
    if ((opts.startDelayMs ?? 0) > 0) timers.push(setTimeout(listen, opts.startDelayMs));
    else listen();
  });
  if (!((opts.startDelayMs ?? 0) > 0)) await listening;

  const resolvePath = (path: string) => requestInfo("GET", path, new URLSearchParams());
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const t of timers) clearTimeout(t);
    if (!isListening) settleListening();
    await listening.catch(() => {});
    for (const s of sockets) s.destroy();
    if (isListening) await new Promise<void>((r) => server.close(() => r()));
  };

  return {
    url,
    port,
    ca,
    caPem: ca.certPem,
    servingCaPem: servingCa.certPem,
    listening,
    faults: faults.control,
    requests: log,
    get(path) {
      const info = resolvePath(path);
      const ri = findResource(info.group, info.version, info.resource);
      return ri ? store.get(ri, info.namespace, info.name) : undefined;
    },
    list(path) {
      const info = resolvePath(path);
      const ri = findResource(info.group, info.version, info.resource);
      return ri ? store.list(ri, info.namespace) : [];
    },
    objects: () => store.all(),
    seed: (obj) => store.seed(structuredClone(obj)),
    remove(path) {
      const info = resolvePath(path);
      const ri = findResource(info.group, info.version, info.resource);
      return ri && info.name ? store.delete(ri, ri.namespaced ? info.namespace : "", info.name) : undefined;
    },
    async controllersIdle() {
      for (let i = 0; i < 10; i++) {
        const p = signing;
        await p;
        if (p === signing) return;
      }
    },
    issueClientCert: (cn, orgs = []) => issueClientCert(ca, cn, orgs),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
