/**
 * The dry-run client: the KubeClient interface, sends nothing, and prints every action as
 * kubeadm's dry-run client did (v1.9-v1.31, util/apiclient/dryrunclient.go):
 *
 *   [dryrun] Would perform action CREATE on resource "configmaps" in API group "core/v1"
 *   [dryrun] Resource name: "master-1"            (GET, PATCH, DELETE)
 *   [dryrun] Attached object:                     (CREATE, UPDATE) + the object as tab-indented YAML
 *   [dryrun] Attached patch:                      (PATCH) + the patch on one tab-indented line
 *
 * Objects print with sorted keys and `metadata.creationTimestamp: null` (as Go marshals a typed
 * object); every Secret's data/stringData values are replaced by REDACTED. GETs are answered
 * as kubeadm's InitDryRunGetter did: any Node exists (a fake named as asked), `default/kubernetes`
 * Service has the first IP of the service subnet, `objects` given by the caller exist, anything
 * else is NotFound; LISTs return those objects only. Writes succeed and return what was sent.
 *
 * Order: each action prints its lines at once when it is called. Tasks run through `all()` print
 * into per-task buffers flushed in task order, so concurrent callers still get a fixed order.
 * waitHealthy answers healthy at once and prints nothing (kubeadm's dry-run waiter is silent).
 */
import type { Logger } from "../log.ts";
import { toKubeYaml } from "../yaml.ts";
import { apiServerVirtualIP, formatIP } from "../net.ts";
import { ApiError } from "./errors.ts";
import {
  BaseClient,
  type CallOptions,
  type Clock,
  type HealthProgress,
  type KubeClient,
  type ListOptions,
  type Patch,
  patchText,
  type PatchType,
} from "./client.ts";
import {
  clone,
  type KubeList,
  type KubeObject,
  type ObjectRef,
  pathFor,
  refOf,
  resourceOf,
} from "./resources.ts";

/** What replaces each Secret data value in dry-run output. */
export const REDACTED = "<redacted>";

export type DryRunVerb = "get" | "list" | "create" | "update" | "patch" | "delete";

export interface DryRunAction {
  readonly verb: DryRunVerb;
  readonly ref: ObjectRef;
  /** CREATE / UPDATE */
  readonly object?: KubeObject;
  /** PATCH */
  readonly patch?: Patch;
}

/**
 * kubeadm's two dry-run printers (versions table `dryRunStyle`). Both print `creationTimestamp: null` up to
 * v1.34 (Go's marshaller of a zero metav1.Time; kubectl v1.32 here does too).
 */
export interface DryRunFormat {
  readonly style: "classic" | "v1.32";
}

export const CLASSIC_FORMAT: DryRunFormat = { style: "classic" };

/** `[dryrun] Attached object:` and the object: tab-indented (classic), or plain and a blank line (v1.32). */
export function attachedObjectLines(obj: KubeObject, f: DryRunFormat): string[] {
  const yaml = toKubeYaml(printable(obj)).replace(/\n$/, "").split("\n");
  return f.style === "classic"
    ? ["[dryrun] Attached object:", ...yaml.map((l) => "\t" + l)]
    : ["[dryrun] Attached object:", ...yaml, ""];
}

/** The lines kubeadm's dry-run printer writes for one action (pure). */
export function dryRunLines(a: DryRunAction, f: DryRunFormat = CLASSIC_FORMAT): string[] {
  const r = resourceOf(a.ref);
  const lines = [
    `[dryrun] Would perform action ${a.verb.toUpperCase()} on resource "${r.plural}" in API group ` +
    `"${r.group === "" ? "core" : r.group}/${r.version}"`,
  ];
  if (a.verb === "get" || a.verb === "patch" || a.verb === "delete") {
    lines.push(
      f.style === "classic"
        ? `[dryrun] Resource name: ${JSON.stringify(a.ref.name ?? "")}`
        : `[dryrun] Resource name ${JSON.stringify(a.ref.name ?? "")}, namespace ${
          JSON.stringify(a.ref.namespace ?? "")
        }`,
    );
  }
  if (a.object) lines.push(...attachedObjectLines(a.object, f));
  if (a.patch !== undefined && f.style === "classic") {
    const p = r.kind === "Secret" && typeof a.patch === "object" ? redactSecret(a.patch) : a.patch;
    lines.push("[dryrun] Attached patch:", "\t" + patchText(p as Patch).replaceAll('\\"', '"'));
  }
  return lines;
}

/** The object as Go's marshaller shows it: creationTimestamp null, Secret values redacted. */
export function printable(obj: KubeObject): KubeObject {
  const out = clone(obj);
  out.metadata = { ...out.metadata };
  if (!("creationTimestamp" in out.metadata)) out.metadata.creationTimestamp = null;
  return out.kind === "Secret" ? redactSecret(out) as KubeObject : out;
}

function redactSecret<T extends object>(obj: T): T {
  const out = { ...obj } as Record<string, unknown>;
  for (const field of ["data", "stringData"]) {
    const d = out[field];
    if (d && typeof d === "object") {
      out[field] = Object.fromEntries(Object.keys(d).map((k) => [k, REDACTED]));
    }
  }
  return out as T;
}

export interface DryRunOptions {
  readonly log: Logger;
  /** For the fake `default/kubernetes` Service (CoreDNS reads its ClusterIP). */
  readonly serviceSubnet?: string;
  /** Objects that GET/LIST find (e.g. a kubeadm-config the caller pretends exists). */
  readonly objects?: readonly KubeObject[];
  readonly clock?: Clock;
  /** The printer of the cluster's minor (default: classic). */
  readonly format?: DryRunFormat;
}

const REAL_MISSING = (verb: "GET" | "LIST") =>
  `[dryrun] Real object does not exist. Attempting to ${verb} from followup reactors or from the fake client tracker`;

export function newDryRunClient(o: DryRunOptions): DryRunKubeClient {
  return new DryRunKubeClient(o, (lines) => lines.forEach((l) => o.log.info(l)));
}

export class DryRunKubeClient extends BaseClient {
  readonly dryRun = true;
  readonly #o: DryRunOptions;
  readonly #sink: (lines: string[]) => void;

  constructor(o: DryRunOptions, sink: (lines: string[]) => void) {
    super({ ...(o.clock ? { clock: o.clock } : {}), intervalMs: 0 });
    this.#o = o;
    this.#sink = sink;
  }

  close(): void {}

  override async all<T>(tasks: readonly ((client: KubeClient) => Promise<T>)[]): Promise<T[]> {
    const buffers = tasks.map(() => [] as string[]);
    const settled = await Promise.allSettled(
      tasks.map((t, i) =>
        Promise.resolve().then(() => t(new DryRunKubeClient(this.#o, (lines) => buffers[i]!.push(...lines))))
      ),
    );
    const values: T[] = [];
    for (const [i, r] of settled.entries()) {
      this.#sink(buffers[i]!);
      if (r.status === "rejected") throw r.reason;
      values.push(r.value);
    }
    return values;
  }

  get #format(): DryRunFormat {
    return this.#o.format ?? CLASSIC_FORMAT;
  }

  get(ref: ObjectRef, _opts?: CallOptions): Promise<KubeObject> {
    const r = refOf(ref);
    const f = this.#format;
    const found = this.#fake(r);
    const lines = dryRunLines({ verb: "get", ref: r }, f);
    if (f.style === "v1.32") {
      // No real cluster behind the dry-run client: the fake reactors answer, and print what they return.
      lines.push(REAL_MISSING("GET"), ...(found ? attachedObjectLines(found, f) : []));
    }
    this.#sink(lines);
    return found ? Promise.resolve(found) : Promise.reject(this.#notFound(r));
  }

  list(ref: ObjectRef, _opts?: ListOptions): Promise<KubeList> {
    const { name: _n, ...r } = refOf(ref);
    const lines = dryRunLines({ verb: "list", ref: r }, this.#format);
    this.#sink(this.#format.style === "v1.32" ? [...lines, REAL_MISSING("LIST")] : lines);
    const items = (this.#o.objects ?? []).filter((x) =>
      x.apiVersion === r.apiVersion && x.kind === r.kind &&
      (!r.namespace || x.metadata.namespace === r.namespace)
    ).map(clone);
    return Promise.resolve({ apiVersion: r.apiVersion, kind: `${r.kind}List`, metadata: {}, items });
  }

  create(obj: KubeObject, _opts?: CallOptions): Promise<KubeObject> {
    this.#sink(dryRunLines({ verb: "create", ref: refOf(obj), object: obj }, this.#format));
    return Promise.resolve(clone(obj));
  }

  update(obj: KubeObject, _opts?: CallOptions): Promise<KubeObject> {
    this.#sink(dryRunLines({ verb: "update", ref: refOf(obj), object: obj }, this.#format));
    return Promise.resolve(clone(obj));
  }

  patch(ref: ObjectRef, patch: Patch, _type: PatchType, _opts?: CallOptions): Promise<KubeObject> {
    const r = refOf(ref);
    const f = this.#format;
    const result = this.#fake(r) ?? stub(r);
    const lines = dryRunLines({ verb: "patch", ref: r, patch }, f);
    // kubeadm v1.32+'s PatchNodeReactor prints the fake Node it answers with.
    if (f.style === "v1.32" && r.kind === "Node") lines.push(...attachedObjectLines(result, f));
    this.#sink(lines);
    return Promise.resolve(result);
  }

  delete(ref: ObjectRef, _opts?: CallOptions): Promise<void> {
    this.#sink(dryRunLines({ verb: "delete", ref: refOf(ref) }, this.#format));
    return Promise.resolve();
  }

  waitHealthy(
    _path: string,
    _timeoutMs: number,
    _intervalMs: number,
    _onProgress?: (p: HealthProgress) => void,
  ): Promise<number> {
    return Promise.resolve(0);
  }

  #fake(r: ObjectRef): KubeObject | undefined {
    const given = (this.#o.objects ?? []).find((x) =>
      x.apiVersion === r.apiVersion && x.kind === r.kind && x.metadata.name === r.name &&
      (x.metadata.namespace ?? "") ===
        (resourceOf(r).namespaced ? r.namespace ?? "" : x.metadata.namespace ?? "")
    );
    if (given) return clone(given);
    if (r.kind === "Node" && r.name) {
      return {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: r.name, labels: { "kubernetes.io/hostname": r.name }, annotations: {} },
      };
    }
    if (
      r.kind === "Service" && r.name === "kubernetes" && r.namespace === "default" && this.#o.serviceSubnet
    ) {
      return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "kubernetes",
          namespace: "default",
          labels: { component: "apiserver", provider: "kubernetes" },
        },
        spec: {
          clusterIP: formatIP(apiServerVirtualIP(this.#o.serviceSubnet)),
          ports: [{ name: "https", port: 443, targetPort: 6443 }],
        },
      };
    }
    return undefined;
  }

  #notFound(r: ObjectRef): ApiError {
    const info = resourceOf(r);
    const what = info.group === "" ? info.plural : `${info.plural}.${info.group}`;
    return new ApiError({
      code: 404,
      reason: "NotFound",
      message: `${what} "${r.name ?? ""}" not found`,
      method: "GET",
      path: pathFor(r),
      server: "(dry run)",
      details: { name: r.name ?? "", group: info.group, kind: info.plural },
    });
  }
}

function stub(r: ObjectRef): KubeObject {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: { ...(r.name ? { name: r.name } : {}), ...(r.namespace ? { namespace: r.namespace } : {}) },
  };
}
