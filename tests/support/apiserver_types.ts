/**
 * What the test API server serves (the resource table) and how it fails: `Status` bodies built the
 * way k8s.io/apimachinery/pkg/api/errors builds them (NewNotFound, NewAlreadyExists, NewConflict,
 * NewInvalid, NewBadRequest, NewForbidden, NewUnauthorized, ...), so a client parses exactly what a
 * real kube-apiserver sends.
 */

// deno-lint-ignore no-explicit-any
export type KubeObject = { [k: string]: any };

export interface ResourceInfo {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, as in the URL. */
  readonly resource: string;
  readonly kind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** How metadata.name is validated. */
  readonly nameRule: "subdomain" | "label" | "dns1035" | "path";
}

const ns = true, cluster = false;
const r = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[],
  nameRule: ResourceInfo["nameRule"] = "subdomain",
): ResourceInfo => ({
  group,
  version,
  resource,
  kind,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames,
  nameRule,
});

const RBAC = "rbac.authorization.k8s.io";

/** Every kind the server stores. */
export const RESOURCES: readonly ResourceInfo[] = [
  r("", "v1", "configmaps", "ConfigMap", ns, ["cm"]),
  r("", "v1", "secrets", "Secret", ns, []),
  r("", "v1", "pods", "Pod", ns, ["po"]),
  r("", "v1", "serviceaccounts", "ServiceAccount", ns, ["sa"]),
  r("", "v1", "services", "Service", ns, ["svc"], "dns1035"),
  r("", "v1", "nodes", "Node", cluster, ["no"]),
  r("", "v1", "namespaces", "Namespace", cluster, ["ns"], "label"),
  r(RBAC, "v1", "roles", "Role", ns, [], "path"),
  r(RBAC, "v1", "rolebindings", "RoleBinding", ns, [], "path"),
  r(RBAC, "v1", "clusterroles", "ClusterRole", cluster, [], "path"),
  r(RBAC, "v1", "clusterrolebindings", "ClusterRoleBinding", cluster, [], "path"),
  r("apps", "v1", "deployments", "Deployment", ns, ["deploy"]),
  r("apps", "v1", "daemonsets", "DaemonSet", ns, ["ds"]),
  r("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", cluster, ["csr"]),
];

/** The group versions served, core first, in discovery order. */
export const GROUP_VERSIONS: readonly { group: string; version: string }[] = [
  ...new Map(RESOURCES.map((x) => [`${x.group}/${x.version}`, { group: x.group, version: x.version }]))
    .values(),
];

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

export function resourceForObject(obj: KubeObject): ResourceInfo | undefined {
  const av = String(obj.apiVersion ?? "");
  const [group, version] = av.includes("/") ? av.split("/") : ["", av];
  return RESOURCES.find((x) => x.group === group && x.version === version && x.kind === obj.kind);
}

export const apiVersionOf = (ri: ResourceInfo) => ri.group === "" ? ri.version : `${ri.group}/${ri.version}`;

/** The REST path of an object (or of the collection when `name` is omitted). */
export function restPath(ri: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = ri.group === "" ? `/api/${ri.version}` : `/apis/${ri.group}/${ri.version}`;
  const nsPart = ri.namespaced && namespace ? `/namespaces/${namespace}` : "";
  return `${base}${nsPart}/${ri.resource}${name === undefined ? "" : `/${name}`}`;
}

// ---------------------------------------------------------------- Status

/** An error answer: HTTP code plus the Status body, optionally extra headers. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: KubeObject,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(String(status.message ?? ""));
  }
}

interface Details {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

/** A failure Status with the field order kube-apiserver's JSON encoder writes. */
export function statusBody(code: number, reason: string, message: string, details?: Details): KubeObject {
  const body: KubeObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message };
  if (reason !== "") body.reason = reason;
  if (details) {
    const d: Details = {};
    if (details.name) d.name = details.name;
    if (details.group) d.group = details.group;
    if (details.kind) d.kind = details.kind;
    if (details.uid) d.uid = details.uid;
    if (details.causes) d.causes = details.causes;
    if (details.retryAfterSeconds) d.retryAfterSeconds = details.retryAfterSeconds;
    body.details = d;
  }
  body.code = code;
  return body;
}

const qualified = (ri: { group: string; resource: string }) =>
  ri.group ? `${ri.resource}.${ri.group}` : ri.resource;

export const errors = {
  notFound(ri: { group: string; resource: string }, name: string): ApiError {
    return new ApiError(
      404,
      statusBody(404, "NotFound", `${qualified(ri)} "${name}" not found`, {
        name,
        group: ri.group,
        kind: ri.resource,
      }),
    );
  },
  /** The answer for a path nothing is served at. */
  noRoute(): ApiError {
    return new ApiError(
      404,
      statusBody(404, "NotFound", "the server could not find the requested resource", {}),
    );
  },
  alreadyExists(ri: ResourceInfo, name: string): ApiError {
    return new ApiError(
      409,
      statusBody(409, "AlreadyExists", `${qualified(ri)} "${name}" already exists`, {
        name,
        group: ri.group,
        kind: ri.resource,
      }),
    );
  },
  conflict(ri: ResourceInfo, name: string): ApiError {
    const msg =
      `Operation cannot be fulfilled on ${qualified(ri)} "${name}": the object has been modified; ` +
      "please apply your changes to the latest version and try again";
    return new ApiError(409, statusBody(409, "Conflict", msg, { name, group: ri.group, kind: ri.resource }));
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, statusBody(400, "BadRequest", message));
  },
  /** NewInvalid: `Kind "name" is invalid: <field errors>` with one cause per field error. */
  invalid(ri: { group: string; kind: string }, name: string, errs: readonly FieldError[]): ApiError {
    const kindStr = ri.group ? `${ri.kind}.${ri.group}` : ri.kind;
    const texts = errs.map((e) => `${e.field}: ${e.detail}`);
    const agg = texts.length === 1 ? texts[0]! : `[${texts.join(", ")}]`;
    return new ApiError(
      422,
      statusBody(422, "Invalid", `${kindStr} "${name}" is invalid: ${agg}`, {
        name,
        group: ri.group,
        kind: ri.kind,
        causes: errs.map((e) => ({ reason: e.reason, message: e.detail, field: e.field })),
      }),
    );
  },
  forbidden(ri: { group: string; resource: string } | undefined, name: string, message: string): ApiError {
    const what = !ri || ri.resource === ""
      ? "forbidden"
      : name
      ? `${qualified(ri)} "${name}" is forbidden`
      : `${qualified(ri)} is forbidden`;
    return new ApiError(
      403,
      statusBody(
        403,
        "Forbidden",
        `${what}: ${message}`,
        ri ? { name, group: ri.group, kind: ri.resource } : {},
      ),
    );
  },
  unauthorized(): ApiError {
    return new ApiError(401, statusBody(401, "Unauthorized", "Unauthorized"));
  },
  unsupportedMediaType(accepted: readonly string[]): ApiError {
    const msg = `the body of the request was in an unknown format - accepted media types include: ${
      accepted.join(", ")
    }`;
    return new ApiError(415, statusBody(415, "UnsupportedMediaType", msg));
  },
  methodNotSupported(ri: ResourceInfo, verb: string): ApiError {
    return new ApiError(
      405,
      statusBody(
        405,
        "MethodNotAllowed",
        `${verb} is not supported on resources of kind "${qualified(ri)}"`,
        {
          group: ri.group,
          kind: ri.resource,
        },
      ),
    );
  },
  internal(message: string): ApiError {
    return new ApiError(
      500,
      statusBody(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] }),
    );
  },
  tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(
      429,
      statusBody(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds }),
      { "Retry-After": String(retryAfterSeconds) },
    );
  },
  serviceUnavailable(): ApiError {
    return new ApiError(
      503,
      statusBody(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
    );
  },
};

// ---------------------------------------------------------------- field validation

export interface FieldError {
  readonly field: string;
  readonly reason:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueDuplicate"
    | "FieldValueForbidden";
  readonly detail: string;
}

export const fieldErr = {
  required: (field: string, why: string): FieldError => ({
    field,
    reason: "FieldValueRequired",
    detail: `Required value${why ? `: ${why}` : ""}`,
  }),
  invalid: (field: string, value: unknown, why: string): FieldError => ({
    field,
    reason: "FieldValueInvalid",
    detail: `Invalid value: ${JSON.stringify(value)}: ${why}`,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    field,
    reason: "FieldValueNotSupported",
    detail: `Unsupported value: ${JSON.stringify(value)}: supported values: ${
      supported.map((s) => JSON.stringify(s)).join(", ")
    }`,
  }),
  /** field.Invalid with the value already rendered as Go's %#v would (see `goValue`). */
  invalidGo: (field: string, rendered: string, why: string): FieldError => ({
    field,
    reason: "FieldValueInvalid",
    detail: `Invalid value: ${rendered}: ${why}`,
  }),
  forbidden: (field: string, why: string): FieldError => ({
    field,
    reason: "FieldValueForbidden",
    detail: `Forbidden: ${why}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    field,
    reason: "FieldValueDuplicate",
    detail: `Duplicate value: ${JSON.stringify(value)}`,
  }),
};

/**
 * A value as field.Error renders a bad value: strings quoted, numbers and booleans bare, a string map
 * as Go's %#v prints it (`map[string]string{"a":"b"}`, keys sorted; `map[string]string(nil)` when absent).
 */
export function goValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === undefined || v === null) return "map[string]string(nil)";
  if (typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    );
    return `map[string]string{${
      entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(String(x))}`).join(", ")
    }}`;
  }
  return JSON.stringify(v);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** validation.MaxLenError: a separate message beside the format's. */
const tooLong = (name: string, max: number) =>
  name.length > max ? [`must be no more than ${max} characters`] : [];

/** The messages of k8s.io/apimachinery/pkg/util/validation for metadata.name. */
export function nameErrors(rule: ResourceInfo["nameRule"], name: string): string[] {
  switch (rule) {
    case "path":
      if (name === "." || name === "..") return [`may not be '${name}'`];
      return ["/", "%"].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
    case "label":
      return [
        ...tooLong(name, 63),
        ...(DNS1123_LABEL.test(name) ? [] : [
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " +
          "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ]),
      ];
    case "dns1035":
      return [
        ...tooLong(name, 63),
        ...(DNS1035_LABEL.test(name) ? [] : [
          "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
          "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for " +
          "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ]),
      ];
    default:
      return [
        ...tooLong(name, 253),
        ...(DNS1123_SUBDOMAIN.test(name) ? [] : [
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " +
          "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ]),
      ];
  }
}

/** A label or annotation key: optional DNS subdomain prefix and "/", then a qualified name of ≤63. */
export function qualifiedNameOk(key: string): boolean {
  const parts = key.split("/");
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  if (parts.length === 2 && !(parts[0]!.length <= 253 && DNS1123_SUBDOMAIN.test(parts[0]!))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** A label value: empty, or ≤63 characters of the qualified-name alphabet. */
export function labelValueOk(v: unknown): boolean {
  return typeof v === "string" && (v === "" || (v.length <= 63 && QUALIFIED_NAME.test(v)));
}
