/**
 * The HTTPS client: `fetch` over `Deno.createHttpClient` trusting the cluster CA only (there is no
 * way to skip verification), with the client certificate/key or a bearer token. Every call retries
 * connection failures, 429 (honouring Retry-After) and 5xx with backoff until its overall timeout
 * (kubeadm: 1 min); other answers become ApiError from the Status JSON.
 */
import { UserError } from "../errors.ts";
import { parseKubeconfig } from "../kubeconfig.ts";
import { apiErrorFrom, retryableStatus, transportProblem } from "./errors.ts";
import { kubeconfigUser } from "./kubeconfig_user.ts";
import {
  BaseClient,
  type CallOptions,
  type Clock,
  type HealthProgress,
  type ListOptions,
  type Patch,
  PATCH_CONTENT_TYPES,
  patchText,
  type PatchType,
} from "./client.ts";
import { type KubeList, type KubeObject, type ObjectRef, pathFor, refOf } from "./resources.ts";

export interface ClientOptions {
  /** https://host:port */
  readonly server: string;
  /** The cluster CA (PEM): the only trust anchor. */
  readonly caPem: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly token?: string;
  /** Overall time per call, retries included (default 60 s). */
  readonly timeoutMs?: number;
  /** First retry delay (default 500 ms); doubles per attempt up to maxIntervalMs. */
  readonly intervalMs?: number;
  /** Default 8 x intervalMs. */
  readonly maxIntervalMs?: number;
  readonly clock?: Clock;
  readonly userAgent?: string;
}

/** Options for clientFromKubeconfig: everything but what the kubeconfig says. */
export type KubeconfigClientOptions =
  & Omit<ClientOptions, "server" | "caPem" | "certPem" | "keyPem" | "token">
  & {
    /** Reads files the kubeconfig refers to (certificate-authority, client-certificate, ...). */
    readonly readFile?: (path: string) => string;
  };

export function newClient(o: ClientOptions): HttpKubeClient {
  return new HttpKubeClient(o);
}

/** A client for the current context of a kubeconfig (`path` names the file in errors). */
export function clientFromKubeconfig(
  text: string,
  path: string,
  opts: KubeconfigClientOptions = {},
): HttpKubeClient {
  const cluster = parseKubeconfig(text, path);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const read = (file: string, what: string): string => {
    const full = file.startsWith("/") ? file : dir + file;
    try {
      return (opts.readFile ?? Deno.readTextFileSync)(full);
    } catch (e) {
      throw new UserError(
        `Cannot read ${what} ${full} named in kubeconfig ${path}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  };
  const caPem = cluster.caData ??
    (cluster.caFile ? read(cluster.caFile, "certificate-authority") : undefined);
  if (!caPem) {
    throw new UserError(
      `Invalid kubeconfig file ${path}: its cluster has no certificate-authority(-data): kadm only talks to a verified API server`,
    );
  }
  const user = kubeconfigUser(text, path);
  const certPem = user.certData ?? (user.certFile ? read(user.certFile, "client-certificate") : undefined);
  const keyPem = user.keyData ?? (user.keyFile ? read(user.keyFile, "client-key") : undefined);
  const token = user.token ?? (user.tokenFile ? read(user.tokenFile, "tokenFile").trim() : undefined);
  const { readFile: _r, ...rest } = opts;
  return new HttpKubeClient({
    ...rest,
    server: cluster.server,
    caPem,
    ...(certPem ? { certPem } : {}),
    ...(keyPem ? { keyPem } : {}),
    ...(token ? { token } : {}),
  });
}

interface RequestInit {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

export class HttpKubeClient extends BaseClient {
  readonly dryRun = false;
  readonly server: string;
  readonly #http: Deno.HttpClient;
  readonly #headers: Record<string, string>;
  readonly #maxIntervalMs: number;

  constructor(o: ClientOptions) {
    super(o);
    let url: URL;
    try {
      url = new URL(o.server);
    } catch (e) {
      throw new UserError(`Invalid API server URL "${o.server}": expected https://<host>:<port>`, {
        cause: e,
      });
    }
    if (url.protocol !== "https:") {
      throw new UserError(
        `Invalid API server URL "${o.server}": kadm only talks to the API server over https`,
      );
    }
    if (!o.caPem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new UserError(
        `No cluster CA certificate for the API server ${o.server}: a PEM certificate is required`,
      );
    }
    if ((o.certPem === undefined) !== (o.keyPem === undefined)) {
      throw new UserError(`Client certificate and key for ${o.server} must be given together`);
    }
    this.server = o.server.replace(/\/+$/, "");
    this.#maxIntervalMs = o.maxIntervalMs ?? 8 * this.intervalMs;
    try {
      this.#http = Deno.createHttpClient({
        caCerts: [o.caPem],
        ...(o.certPem !== undefined && o.keyPem !== undefined ? { cert: o.certPem, key: o.keyPem } : {}),
      });
    } catch (e) {
      throw new UserError(
        `Invalid TLS material for the API server ${o.server}: ${(e as Error).message}: ` +
          `check the CA, client certificate and key in the kubeconfig`,
        { cause: e },
      );
    }
    this.#headers = {
      "Accept": "application/json",
      "User-Agent": o.userAgent ?? "kadm",
      ...(o.token ? { "Authorization": `Bearer ${o.token}` } : {}),
    };
  }

  close(): void {
    this.#http.close();
  }

  async get(ref: ObjectRef, opts?: CallOptions): Promise<KubeObject> {
    return await this.request({ method: "GET", path: pathFor(named(ref)), ...opts }) as KubeObject;
  }

  async list(ref: ObjectRef, opts?: ListOptions): Promise<KubeList> {
    const q = new URLSearchParams();
    if (opts?.labelSelector) q.set("labelSelector", opts.labelSelector);
    if (opts?.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
    const query = q.size > 0 ? `?${q}` : "";
    const { name: _n, ...collection } = refOf(ref);
    return await this.request({
      method: "GET",
      path: pathFor(collection) + query,
      ...(opts?.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    }) as KubeList;
  }

  async create(obj: KubeObject, opts?: CallOptions): Promise<KubeObject> {
    const { name: _n, ...collection } = refOf(obj);
    return await this.request({
      method: "POST",
      path: pathFor(collection),
      ...json(obj),
      ...opts,
    }) as KubeObject;
  }

  async update(obj: KubeObject, opts?: CallOptions): Promise<KubeObject> {
    return await this.request({
      method: "PUT",
      path: pathFor(named(obj)),
      ...json(obj),
      ...opts,
    }) as KubeObject;
  }

  async patch(ref: ObjectRef, patch: Patch, type: PatchType, opts?: CallOptions): Promise<KubeObject> {
    return await this.request({
      method: "PATCH",
      path: pathFor(named(ref)),
      body: patchText(patch),
      contentType: PATCH_CONTENT_TYPES[type],
      ...opts,
    }) as KubeObject;
  }

  async delete(ref: ObjectRef, opts?: CallOptions): Promise<void> {
    await this.request({ method: "DELETE", path: pathFor(named(ref)), ...opts });
  }

  /** GET of a non-resource path (e.g. /version) as JSON, with the same retries. */
  getPath(path: string, opts?: CallOptions): Promise<unknown> {
    return this.request({ method: "GET", path, ...opts });
  }

  async waitHealthy(
    path: string,
    timeoutMs: number,
    intervalMs: number,
    onProgress?: (p: HealthProgress) => void,
  ): Promise<number> {
    const start = this.clock.now();
    let lastError = "no answer yet";
    for (let attempts = 1;; attempts++) {
      const left = start + timeoutMs - this.clock.now();
      try {
        const res = await fetch(this.server + path, {
          headers: this.#headers,
          client: this.#http,
          signal: AbortSignal.timeout(Math.max(1, Math.min(left, 10_000))),
        });
        const body = await res.text();
        if (res.status === 200) return this.clock.now() - start;
        lastError = `${res.status}: ${body.trim().split("\n").slice(-3).join(" ").slice(0, 200)}`;
      } catch (e) {
        const p = transportProblem(e);
        if (p.kind === "tls") throw this.tlsError(p.detail, e);
        lastError = p.detail;
      }
      const elapsedMs = this.clock.now() - start;
      onProgress?.({ elapsedMs, attempts, lastError });
      if (elapsedMs + intervalMs >= timeoutMs) {
        throw new UserError(
          `The API server ${this.server} did not answer healthy at ${path} within ${seconds(timeoutMs)} ` +
            `(${attempts} attempts, last: ${lastError})`,
        );
      }
      await this.clock.sleep(intervalMs);
    }
  }

  /** One call with retries until its deadline; returns the parsed JSON body (undefined if empty). */
  protected async request(r: RequestInit): Promise<unknown> {
    const start = this.clock.now();
    const timeoutMs = r.timeoutMs ?? this.timeoutMs;
    const deadline = start + timeoutMs;
    const where = { method: r.method, path: r.path, server: this.server };
    const headers = r.contentType ? { ...this.#headers, "Content-Type": r.contentType } : this.#headers;
    let last: Error | undefined;
    for (let attempt = 0;; attempt++) {
      const left = deadline - this.clock.now();
      if (left <= 0) throw this.gaveUp(r, timeoutMs, attempt, last);
      let res: Response;
      let text: string;
      try {
        res = await fetch(this.server + r.path, {
          method: r.method,
          headers,
          ...(r.body !== undefined ? { body: r.body } : {}),
          client: this.#http,
          signal: AbortSignal.timeout(left),
        });
        text = await res.text();
      } catch (e) {
        const p = transportProblem(e);
        if (p.kind === "tls") throw this.tlsError(p.detail, e);
        last = new Error(p.detail, { cause: e });
        await this.backoff(attempt, deadline);
        continue;
      }
      if (res.ok) return parseBody(text, where);
      const err = apiErrorFrom(res.status, res.statusText, text, where);
      if (!retryableStatus(res.status)) throw err;
      last = err;
      const after = retryAfterMs(res.headers.get("Retry-After"));
      if (after !== undefined) {
        if (this.clock.now() + after > deadline) throw err;
        await this.clock.sleep(Math.max(after, this.intervalMs));
      } else {
        await this.backoff(attempt, deadline);
      }
    }
  }

  private async backoff(attempt: number, deadline: number): Promise<void> {
    const delay = Math.min(this.intervalMs * 2 ** attempt, this.#maxIntervalMs);
    await this.clock.sleep(Math.max(0, Math.min(delay, deadline - this.clock.now())));
  }

  private gaveUp(r: RequestInit, timeoutMs: number, attempts: number, last: Error | undefined): Error {
    if (last instanceof UserError) return last;
    return new UserError(
      `Cannot reach the API server ${this.server} (${r.method} ${r.path}): ${last?.message ?? "no answer"} ` +
        `after ${attempts} attempts in ${
          seconds(timeoutMs)
        }: check that kube-apiserver runs and listens there`,
      last ? { cause: last } : undefined,
    );
  }

  private tlsError(detail: string, cause: unknown): UserError {
    return new UserError(
      `Cannot trust the API server ${this.server}: ${detail}: check controlPlaneEndpoint and the advertise ` +
        `address, and that the kubeconfig's CA is the cluster CA that signed the apiserver certificate`,
      { cause },
    );
  }
}

function named(ref: ObjectRef | KubeObject): ObjectRef {
  const r = refOf(ref);
  if (!r.name) throw new UserError(`API call on ${r.kind} without a name: metadata.name is required`);
  return r;
}

function json(obj: KubeObject): { body: string; contentType: string } {
  return { body: JSON.stringify(obj), contentType: "application/json" };
}

function parseBody(text: string, where: { method: string; path: string; server: string }): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `The API server ${where.server} answered ${where.method} ${where.path} with something other than JSON: ` +
        `${text.slice(0, 80)}`,
      { cause: e },
    );
  }
}

/** Retry-After as seconds or an HTTP date; undefined if absent or unreadable. */
export function retryAfterMs(v: string | null, now = Date.now()): number | undefined {
  if (v === null || v.trim() === "") return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
