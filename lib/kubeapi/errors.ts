/**
 * Errors from the API server, parsed from its `Status` JSON
 * (`{"kind":"Status","status":"Failure","message":...,"reason":"NotFound","code":404}`),
 * and the classification of transport failures (TLS verification vs. retryable network errors).
 */
import { UserError } from "../errors.ts";

/** The `reason` values kube-apiserver uses (metav1.StatusReason), plus what a bare code implies. */
export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "TooManyRequests"
  | "RequestEntityTooLarge"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout"
  | "ServerTimeout"
  | "Unknown"
  | (string & Record<never, never>);

/** What a code means when the body carries no Status reason (client-go's reasonForError). */
const REASON_BY_CODE: Readonly<Record<number, StatusReason>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

const HINTS: Readonly<Record<string, string>> = {
  Unauthorized: "check the client certificate or token of the kubeconfig in use",
  Forbidden: "the identity of the kubeconfig in use lacks the RBAC permission for it",
};

/** A failed API call: `code`, `reason` and `message` as the server's Status said them. */
export class ApiError extends UserError {
  readonly code: number;
  readonly reason: StatusReason;
  /** The server's own message, e.g. `configmaps "x" not found`. */
  readonly serverMessage: string;
  readonly method: string;
  readonly path: string;
  /** The Status `details` (name, group, kind, causes), when present. */
  readonly details?: Readonly<Record<string, unknown>>;
  constructor(
    init: {
      code: number;
      reason: StatusReason;
      message: string;
      method: string;
      path: string;
      server: string;
      details?: Record<string, unknown>;
    },
  ) {
    const hint = HINTS[init.reason];
    super(
      `The API server ${init.server} refused ${init.method} ${init.path}: ${init.message} ` +
        `(${init.code} ${init.reason})${hint ? `: ${hint}` : ""}`,
    );
    this.name = "ApiError";
    this.code = init.code;
    this.reason = init.reason;
    this.serverMessage = init.message;
    this.method = init.method;
    this.path = init.path;
    if (init.details) this.details = init.details;
  }
}

/** Builds the ApiError for a non-2xx answer from its body (Status JSON or anything else). */
export function apiErrorFrom(
  status: number,
  statusText: string,
  body: string,
  where: { method: string; path: string; server: string },
): ApiError {
  let reason: StatusReason | undefined;
  let message: string | undefined;
  let details: Record<string, unknown> | undefined;
  try {
    const s = JSON.parse(body) as Record<string, unknown>;
    if (s && s.kind === "Status") {
      if (typeof s.reason === "string" && s.reason !== "") reason = s.reason;
      if (typeof s.message === "string" && s.message !== "") message = s.message;
      if (s.details && typeof s.details === "object") details = s.details as Record<string, unknown>;
    }
  } catch {
    // not JSON: the body text is the message
  }
  const text = body.trim().slice(0, 300);
  return new ApiError({
    code: status,
    reason: reason ?? REASON_BY_CODE[status] ?? (status >= 500 ? "InternalError" : "Unknown"),
    message: message ?? (text || statusText || `HTTP ${status}`),
    ...where,
    ...(details ? { details } : {}),
  });
}

function hasReason(e: unknown, reason: StatusReason): boolean {
  return e instanceof ApiError && e.reason === reason;
}

export const isNotFound = (e: unknown): boolean => hasReason(e, "NotFound");
export const isAlreadyExists = (e: unknown): boolean => hasReason(e, "AlreadyExists");
/** 409 Conflict (a stale resourceVersion), not AlreadyExists. */
export const isConflict = (e: unknown): boolean => hasReason(e, "Conflict");
export const isForbidden = (e: unknown): boolean => hasReason(e, "Forbidden");
export const isUnauthorized = (e: unknown): boolean => hasReason(e, "Unauthorized");

/** Whether a status is worth another try: 429 and 5xx (but 501 Not Implemented is final). */
export function retryableStatus(code: number): boolean {
  return code === 429 || (code >= 500 && code !== 501);
}

/** A transport failure: `tls` ones are final (a wrong CA or name does not heal), `network` ones retry. */
export interface TransportProblem {
  readonly kind: "tls" | "network" | "timeout";
  readonly detail: string;
}

/** Classifies what `fetch` threw. */
export function transportProblem(e: unknown): TransportProblem {
  if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return { kind: "timeout", detail: "no answer in time" };
  }
  const texts: string[] = [];
  for (let x: unknown = e, i = 0; x instanceof Error && i < 5; x = x.cause, i++) texts.push(x.message);
  const all = texts.join(": ");
  const peer = /invalid peer certificate: (.*)$/m.exec(all);
  if (peer) return { kind: "tls", detail: describeCertProblem(peer[1]!) };
  const alert = /received fatal alert: (\w+)/.exec(all);
  if (alert) {
    return {
      kind: "tls",
      detail: `it ended the TLS handshake (${alert[1]}): is the client certificate right?`,
    };
  }
  return { kind: "network", detail: lastClause(all) || "connection failed" };
}

function describeCertProblem(s: string): string {
  if (/UnknownIssuer/.test(s)) return "its certificate is not signed by the cluster CA (unknown issuer)";
  const name = /not valid for name "?([^";]+)"?[;,]?\s*(.*)$/.exec(s);
  if (name) return `its certificate is not valid for ${name[1]}${name[2] ? ` (${name[2]})` : ""}`;
  if (/Expired/i.test(s)) return `its certificate has expired or is not yet valid (${s})`;
  return `its certificate was rejected: ${s}`;
}

/** "...: client error (Connect): tcp connect error: Connection refused (os error 111)" -> "Connection refused". */
function lastClause(s: string): string {
  const i = s.lastIndexOf("client error (");
  const j = i < 0 ? -1 : s.indexOf("): ", i);
  const tail = j < 0 ? s : s.slice(j + 3);
  return tail.replace(/\s*\(os error \d+\)/g, "").replace(/: https?:\/\/\S+/g, "")
    .replace(/^tcp connect error: /, "").trim();
}
