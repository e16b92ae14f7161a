/**
 * The API client contract shared by the HTTPS client and the dry-run client, and the generic
 * verbs built once on top of get/create/update/patch for every kind (kubeadm's idempotency.go):
 * createOrUpdate, createOrMutate, createOrRetain, getNode/patchNode (waiting for a late Node).
 */
import { UserError } from "../errors.ts";
import { sortKeys } from "../yaml.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
import { clone, describeRef, type KubeList, type KubeObject, type ObjectRef, refOf } from "./resources.ts";

export type PatchType = "merge" | "strategic" | "json";

/** The Content-Type each patch kind must be sent with (anything else: 415 from the server). */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

/** A patch as JSON data (object, or an array of JSON-patch operations) or as its exact text. */
export type Patch = string | Readonly<Record<string, unknown>> | readonly unknown[];

/** The bytes of a patch: text as given, data as compact JSON with sorted keys (as Go marshals maps). */
export function patchText(p: Patch): string {
  return typeof p === "string" ? p : JSON.stringify(sortKeys(p));
}

/** Time, injectable so tests need not wait. */
export interface Clock {
  /** Milliseconds, monotonic enough for deadlines. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function realClock(): Clock {
  return {
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  };
}

/** kubeadm's kubernetesAPICall timeout and its poll interval. */
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_INTERVAL_MS = 500;

export interface CallOptions {
  /** Overall time for this call, retries included. Default: the client's timeoutMs. */
  readonly timeoutMs?: number;
}

export interface ListOptions extends CallOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface HealthProgress {
  readonly elapsedMs: number;
  readonly attempts: number;
  /** Why the last attempt was not healthy. */
  readonly lastError?: string;
}

/** One API client: real (HTTPS) or dry-run (prints, sends nothing). */
export interface KubeClient {
  readonly dryRun: boolean;
  get(ref: ObjectRef, opts?: CallOptions): Promise<KubeObject>;
  list(ref: ObjectRef, opts?: ListOptions): Promise<KubeList>;
  create(obj: KubeObject, opts?: CallOptions): Promise<KubeObject>;
  update(obj: KubeObject, opts?: CallOptions): Promise<KubeObject>;
  patch(ref: ObjectRef, patch: Patch, type: PatchType, opts?: CallOptions): Promise<KubeObject>;
  delete(ref: ObjectRef, opts?: CallOptions): Promise<void>;
  /** Create; on AlreadyExists GET + PUT with the fresh resourceVersion; on Conflict read again and retry. */
  createOrUpdate(obj: KubeObject, opts?: CallOptions): Promise<KubeObject>;
  /**
   * Create; if it exists, read-modify-write: `mutate` gets a copy of the stored object and returns the
   * object to store (or changes the copy and returns nothing); retried with a fresh read on Conflict.
   */
  createOrMutate(
    obj: KubeObject,
    mutate: (existing: KubeObject) => KubeObject | void,
    opts?: CallOptions,
  ): Promise<KubeObject>;
  /** Create; if it exists, leave it as it is and return it. */
  createOrRetain(obj: KubeObject, opts?: CallOptions): Promise<KubeObject>;
  /** GET a Node, retrying NotFound until it is registered or the call timeout passes. */
  getNode(name: string, opts?: CallOptions): Promise<KubeObject>;
  /**
   * GET the Node (waiting as getNode), then PATCH it (strategic merge unless `type` says otherwise).
   * `patch` may be computed from the current Node (e.g. to merge taints).
   */
  patchNode(
    name: string,
    patch: Patch | ((node: KubeObject) => Patch),
    opts?: CallOptions & { readonly type?: PatchType },
  ): Promise<KubeObject>;
  /**
   * Polls a health path (/livez, /healthz, /readyz) until it answers 200; returns the elapsed ms.
   * `onProgress` is called after each unhealthy attempt. TLS verification failures end it at once.
   */
  waitHealthy(
    path: string,
    timeoutMs: number,
    intervalMs: number,
    onProgress?: (p: HealthProgress) => void,
  ): Promise<number>;
  /**
   * Runs independent tasks: concurrently against a real server; in dry-run each task writes to its
   * own buffer and the buffers are printed in task order, so output is deterministic. Waits for all;
   * rethrows the first failure in task order.
   */
  all<T>(tasks: readonly ((client: KubeClient) => Promise<T>)[]): Promise<T[]>;
  /** Releases connections. */
  close(): void;
  [Symbol.dispose](): void;
}

/** The generic verbs, written once on top of the primitive ones. */
export abstract class BaseClient implements KubeClient {
  abstract readonly dryRun: boolean;
  protected readonly clock: Clock;
  protected readonly timeoutMs: number;
  protected readonly intervalMs: number;

  constructor(o: { clock?: Clock; timeoutMs?: number; intervalMs?: number }) {
    this.clock = o.clock ?? realClock();
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.intervalMs = o.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  abstract get(ref: ObjectRef, opts?: CallOptions): Promise<KubeObject>;
  abstract list(ref: ObjectRef, opts?: ListOptions): Promise<KubeList>;
  abstract create(obj: KubeObject, opts?: CallOptions): Promise<KubeObject>;
  abstract update(obj: KubeObject, opts?: CallOptions): Promise<KubeObject>;
  abstract patch(ref: ObjectRef, patch: Patch, type: PatchType, opts?: CallOptions): Promise<KubeObject>;
  abstract delete(ref: ObjectRef, opts?: CallOptions): Promise<void>;
  abstract waitHealthy(
    path: string,
    timeoutMs: number,
    intervalMs: number,
    onProgress?: (p: HealthProgress) => void,
  ): Promise<number>;
  abstract close(): void;

  [Symbol.dispose](): void {
    this.close();
  }

  async all<T>(tasks: readonly ((client: KubeClient) => Promise<T>)[]): Promise<T[]> {
    const settled = await Promise.allSettled(tasks.map((t) => Promise.resolve().then(() => t(this))));
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  createOrUpdate(obj: KubeObject, opts?: CallOptions): Promise<KubeObject> {
    return this.createOrMutate(obj, (existing) => {
      const next = clone(obj);
      next.metadata = { ...next.metadata, resourceVersion: existing.metadata.resourceVersion };
      return next;
    }, opts);
  }

  async createOrMutate(
    obj: KubeObject,
    mutate: (existing: KubeObject) => KubeObject | void,
    opts?: CallOptions,
  ): Promise<KubeObject> {
    const deadline = this.deadline(opts);
    try {
      return await this.create(obj, this.left(deadline));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    const ref = refOf(obj);
    return await this.retry(
      deadline,
      isConflict,
      `${describeRef(ref)} kept changing under kadm`,
      async () => {
        const existing = await this.get(ref, this.left(deadline));
        const copy = clone(existing);
        const next = mutate(copy) ?? copy;
        return await this.update(next, this.left(deadline));
      },
    );
  }

  async createOrRetain(obj: KubeObject, opts?: CallOptions): Promise<KubeObject> {
    const deadline = this.deadline(opts);
    try {
      return await this.create(obj, this.left(deadline));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return await this.get(refOf(obj), this.left(deadline));
  }

  getNode(name: string, opts?: CallOptions): Promise<KubeObject> {
    const deadline = this.deadline(opts);
    return this.retry(
      deadline,
      isNotFound,
      nodeMissing(name),
      () => this.get(nodeRef(name), this.left(deadline)),
    );
  }

  async patchNode(
    name: string,
    patch: Patch | ((node: KubeObject) => Patch),
    opts?: CallOptions & { readonly type?: PatchType },
  ): Promise<KubeObject> {
    const deadline = this.deadline(opts);
    const node = await this.getNode(name, this.left(deadline));
    const body = typeof patch === "function" ? patch(clone(node)) : patch;
    const again = (e: unknown) => isNotFound(e) || isConflict(e);
    return await this.retry(
      deadline,
      again,
      nodeMissing(name),
      () => this.patch(nodeRef(name), body, opts?.type ?? "strategic", this.left(deadline)),
    );
  }

  protected deadline(opts?: CallOptions): number {
    return this.clock.now() + (opts?.timeoutMs ?? this.timeoutMs);
  }

  protected left(deadline: number): CallOptions {
    return { timeoutMs: Math.max(1, deadline - this.clock.now()) };
  }

  /** Runs `fn` until it succeeds or fails with something `again` does not accept, or time is up. */
  protected async retry<T>(
    deadline: number,
    again: (e: unknown) => boolean,
    gaveUp: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!again(e)) throw e;
        const wait = this.intervalMs;
        if (this.clock.now() + wait >= deadline) {
          throw new UserError(`${gaveUp} (${attempt + 1} attempts): ${(e as Error).message}`, { cause: e });
        }
        await this.clock.sleep(wait);
      }
    }
  }
}

function nodeRef(name: string): ObjectRef {
  return { apiVersion: "v1", kind: "Node", name };
}

function nodeMissing(name: string): string {
  return `Node "${name}" was not found in time: check that the kubelet runs and registers with ` +
    `the node name kadm uses (nodeRegistration.name)`;
}
