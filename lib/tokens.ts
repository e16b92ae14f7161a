/**
 * Bootstrap tokens for `kadm token` (kubeadm's cmd/token.go, apis/bootstraptoken/v1/utils.go and
 * apis/output/v1alpha3): the create flags checked as kubeadm checks them, token Secrets read back
 * into tokens (BootstrapTokenFromSecret), the `token list` output byte for byte as kubeadm prints it
 * (text table, JSON, YAML), the TOKEN|ID arguments of `token delete`, the one-line join command of
 * `token create --print-join-command`, and where the kubeconfig is looked for. Pure: no host access.
 */
import type { BootstrapToken } from "./model.ts";
import { UserError } from "./errors.ts";
import { parseGoDuration } from "./config/durations.ts";
import { joinCommand } from "./joincommand.ts";
import { toKubeYaml } from "./yaml.ts";
import { BOOTSTRAP_TOKEN_SECRET_TYPE } from "./objects/bootstraptoken.ts";

/** cluster-bootstrap's patterns, quoted in messages as kubeadm quotes them. */
export const TOKEN_PATTERN = String.raw`\A([a-z0-9]{6})\.([a-z0-9]{16})\z`;
export const TOKEN_ID_PATTERN = String.raw`\A([a-z0-9]{6})\z`;
export const BOOTSTRAP_GROUP_PATTERN = String.raw`\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z`;
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ID_RE = /^[a-z0-9]{6}$/;
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** kubeadm's defaults for `token create` (SetDefaults_BootstrapToken). */
export const DEFAULT_TTL = "24h0m0s";
export const KNOWN_USAGES: readonly string[] = ["signing", "authentication"];
export const DEFAULT_GROUPS: readonly string[] = ["system:bootstrappers:kubeadm:default-node-token"];
/** The `-o json|yaml` object kubeadm prints (output.kubeadm.k8s.io/v1alpha3 since v1.27). */
export const OUTPUT_API_VERSION = "output.kubeadm.k8s.io/v1alpha3";
export const LIST_FORMATS: readonly string[] = ["text", "json", "yaml"];

export interface TokenCreateFlags {
  /** The positional [token]; undefined: the caller generates one. */
  readonly token: string;
  readonly ttl?: string;
  readonly usages?: readonly string[];
  readonly groups?: readonly string[];
  readonly description?: string;
}

/**
 * The token `token create` writes, checked as kubeadm's BootstrapTokenOptions.ApplyTo and
 * ValidateBootstrapTokens do. The token itself is never echoed in a message.
 */
export function tokenFromFlags(f: TokenCreateFlags): BootstrapToken {
  if (!TOKEN_RE.test(f.token)) {
    throw new UserError(
      `Invalid token for 'kadm token create': it is not of the form "${TOKEN_PATTERN}"; ` +
        `leave it out to get a random one, or make one with 'kadm token generate'`,
    );
  }
  const ttlText = f.ttl ?? DEFAULT_TTL;
  const ttl = parseGoDuration(ttlText);
  if (ttl === undefined) {
    throw new UserError(
      ttlText.trim().startsWith("-")
        ? `Invalid value for --ttl: "${ttlText}" is negative; use 0 for a token that never expires`
        : `Invalid value for --ttl: "${ttlText}" is not a duration; use Go syntax such as 24h0m0s, 1h30m or 0 (never expires)`,
    );
  }
  const usages = [...(f.usages ?? KNOWN_USAGES)];
  const bad = [...new Set(usages.filter((u) => !KNOWN_USAGES.includes(u)))].sort();
  if (bad.length > 0) {
    throw new UserError(
      `Invalid value for --usages: invalid bootstrap token usage string: ${bad.join(",")}, ` +
        `valid usage options: ${KNOWN_USAGES.join(",")}`,
    );
  }
  const groups = [...(f.groups ?? DEFAULT_GROUPS)];
  if (groups.length > 0 && !usages.includes("authentication")) {
    throw new UserError(
      `Invalid value for --groups: token groups cannot be specified unless --usages includes "authentication": ` +
        `add authentication to --usages, or pass --groups "" for a token without extra groups`,
    );
  }
  for (const g of groups) {
    if (!GROUP_RE.test(g)) {
      throw new UserError(
        `Invalid value for --groups: bootstrap group "${g}" is invalid (must match ${BOOTSTRAP_GROUP_PATTERN})`,
      );
    }
  }
  return {
    token: f.token,
    description: f.description ?? "",
    ttl,
    expires: "",
    usages,
    groups,
    generated: false,
  };
}

/** `--certificate-key` as kubeadm's ValidateCertificateKey checks it: 32 bytes, hex. */
export function checkCertificateKey(key: string): void {
  if (!/^[0-9a-fA-F]*$/.test(key) || key.length % 2 !== 0) {
    throw new UserError(
      `Invalid value for --certificate-key: certificate key decoding error: it must be hex`,
    );
  }
  if (key.length !== 64) {
    throw new UserError(
      `Invalid value for --certificate-key: certificate key size must be 32 bytes (64 hex characters), ` +
        `got ${key.length / 2}: use the key 'kadm init phase upload-certs --upload-certs' printed`,
    );
  }
}

/** The token ID a `token delete` argument names (an ID or a whole token), or undefined if it is neither. */
export function tokenIdOf(arg: string): string | undefined {
  if (TOKEN_ID_RE.test(arg)) return arg;
  return TOKEN_RE.exec(arg)?.[1];
}

export const secretNameOf = (id: string): string => `bootstrap-token-${id}`;

/** An expiry as kubeadm holds it: the instant, and Go's RFC 3339 text in the offset the Secret used. */
export interface Expiry {
  readonly ms: number;
  readonly text: string;
}

/** A token read back from its Secret (kubeadm's BootstrapTokenFromSecret). */
export interface ListedToken {
  readonly token: string;
  readonly description: string;
  readonly expires?: Expiry;
  /** Sorted, as kubeadm sorts them. */
  readonly usages: readonly string[];
  readonly groups: readonly string[];
}

interface SecretLike {
  readonly metadata?: { readonly name?: string };
  readonly type?: unknown;
  readonly data?: unknown;
}

function dataOf(s: SecretLike): Record<string, string> {
  const out: Record<string, string> = {};
  const data = (s.data && typeof s.data === "object" ? s.data : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string") continue;
    try {
      out[k] = new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)));
    } catch {
      out[k] = "";
    }
  }
  return out;
}

/** Go's time.Parse(time.RFC3339, s), then Format(time.RFC3339) in the parsed offset; undefined if invalid. */
export function parseRfc3339(s: string): Expiry | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${(m[2] ?? "").slice(0, 4)}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const zone = /^[+-]00:00$/.test(m[3]!) ? "Z" : m[3]!;
  return { ms, text: m[1] + zone };
}

/** A Secret of type bootstrap.kubernetes.io/token as a token; throws with kubeadm's reason when it is not one. */
export function tokenFromSecret(s: SecretLike): ListedToken {
  const name = s.metadata?.name ?? "";
  const data = dataOf(s);
  const id = data["token-id"] ?? "";
  if (id === "") throw new Error(`bootstrap Token Secret has no token-id data: ${name}`);
  if (name !== secretNameOf(id)) {
    throw new Error(
      `bootstrap token name is not of the form 'bootstrap-token-(token-id)'. Actual: "${name}". ` +
        `Expected: "${secretNameOf(id)}"`,
    );
  }
  const secret = data["token-secret"] ?? "";
  if (secret === "") throw new Error(`bootstrap Token Secret has no token-secret data: ${name}`);
  const token = `${id}.${secret}`;
  if (!TOKEN_RE.test(token)) {
    throw new Error(
      `bootstrap Token Secret ${name} is invalid and couldn't be parsed: its token is not of the form "${TOKEN_PATTERN}"`,
    );
  }
  const exp = data.expiration ?? "";
  let expires: Expiry | undefined;
  if (exp !== "") {
    expires = parseRfc3339(exp);
    if (!expires) {
      throw new Error(`can't parse expiration time of bootstrap token "${name}": "${exp}" is not RFC 3339`);
    }
  }
  const usages = Object.entries(data)
    .filter(([k, v]) => k.startsWith("usage-bootstrap-") && v === "true")
    .map(([k]) => k.slice("usage-bootstrap-".length))
    .sort();
  const parts = (data["auth-extra-groups"] ?? "").split(",");
  const groups = parts[0] ? parts : [];
  return { token, description: data.description ?? "", ...(expires ? { expires } : {}), usages, groups };
}

/** The bootstrap-token Secrets of a Secret list as tokens, and a problem line for each one kubeadm skips. */
export function tokensFromSecrets(
  items: readonly SecretLike[],
): { tokens: ListedToken[]; problems: string[] } {
  const tokens: ListedToken[] = [];
  const problems: string[] = [];
  for (const s of items) {
    if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) continue;
    try {
      tokens.push(tokenFromSecret(s));
    } catch (e) {
      problems.push(`Skipping Secret kube-system/${s.metadata?.name ?? ""}: ${(e as Error).message}`);
    }
  }
  return { tokens, problems };
}

/** apimachinery's duration.ShortHumanDuration ("23h", "59m", "<invalid>"). */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const runes = (s: string) => [...s].length;
const padRight = (s: string, n: number) => s + " ".repeat(Math.max(0, n - runes(s)));

/** Go's tabwriter.NewWriter(w, 10, 4, 3, ' ', 0) over lines of tab-terminated cells (last cell free). */
function tabwrite(lines: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const cells of lines) {
    cells.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 10, runes(c) + 3)));
  }
  return lines.map((cells) =>
    cells.map((c, i) => (i < cells.length - 1 ? padRight(c, widths[i]!) : c)).join("") + "\n"
  ).join("");
}

const HEADER = ["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"];
const orNone = (s: string) => (s === "" ? "<none>" : s);

/** One row as kubeadm's formatBootstrapToken pads it. */
function tableRow(t: ListedToken, nowMs: number): string[] {
  return [
    t.token,
    padRight(t.expires ? shortHumanDuration(t.expires.ms - nowMs) : "<forever>", 9),
    t.expires ? t.expires.text : "<never>",
    padRight(orNone(t.usages.join(",")), 22),
    padRight(orNone(t.description), 56),
    orNone(t.groups.join(",")),
  ];
}

/**
 * kubeadm's tokenTextPrinter: the header goes with the first token only and each token is flushed
 * through its own tabwriter, so rows after the first are not aligned with it. No tokens: no output.
 */
export function tokenTable(tokens: readonly ListedToken[], nowMs: number): string {
  return tokens.map((t, i) => tabwrite(i === 0 ? [HEADER, tableRow(t, nowMs)] : [tableRow(t, nowMs)]))
    .join("");
}

/** The output.kubeadm.k8s.io BootstrapToken object, fields in Go's order, empty ones omitted. */
export function tokenOutputObject(t: ListedToken): Record<string, unknown> {
  return {
    kind: "BootstrapToken",
    apiVersion: OUTPUT_API_VERSION,
    token: t.token,
    ...(t.description !== "" ? { description: t.description } : {}),
    ...(t.expires ? { expires: new Date(t.expires.ms).toISOString().replace(/\.\d{3}Z$/, "Z") } : {}),
    ...(t.usages.length > 0 ? { usages: [...t.usages] } : {}),
    ...(t.groups.length > 0 ? { groups: [...t.groups] } : {}),
  };
}

/** Go's json.MarshalIndent(obj, "", "    ") (HTML-safe escapes included) plus a newline. */
function goJson(obj: unknown): string {
  return JSON.stringify(obj, null, 4).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ) + "\n";
}

/** `kubeadm token list [-o text|json|yaml]` output: JSON objects back to back, YAML documents split by `---`. */
export function renderTokenList(tokens: readonly ListedToken[], format: string, nowMs: number): string {
  switch (format) {
    case "text":
      return tokenTable(tokens, nowMs);
    case "json":
      return tokens.map((t) => goJson(tokenOutputObject(t))).join("");
    case "yaml":
      return tokens.map((t) => toKubeYaml(tokenOutputObject(t))).join("---\n");
    default:
      throw new UserError(
        `Invalid value for --output: "${format}"; kadm token list prints ${LIST_FORMATS.join(", ")}`,
      );
  }
}

/**
 * `kubeadm token create --print-join-command`: the join command on one line, as kubeadm v1.21+
 * prints it (its backslash-newlines and indentation removed; a trailing space after the last hash
 * on worker joins). `server` is the kubeconfig's cluster URL; `https://` is dropped as kubeadm does.
 */
export function joinCommandLine(
  server: string,
  token: string,
  caCertHashes: readonly string[],
  certificateKey?: string,
): string {
  return joinCommand({
    endpoint: server.replaceAll("https://", ""),
    token,
    caCertHashes,
    controlPlane: certificateKey !== undefined,
    ...(certificateKey !== undefined ? { certificateKey } : {}),
  }).replace(/\\\n[ \t]*/g, "");
}

export const ADMIN_CONF = "/etc/kubernetes/admin.conf";

/**
 * The kubeconfig `kubeadm token` uses without --kubeconfig (cmdutil.GetKubeConfigPath): the first
 * existing file of $KUBECONFIG (or ~/.kube/config), then /etc/kubernetes/admin.conf; if none
 * exists, the first candidate.
 */
export function defaultKubeconfigPath(
  env: { readonly KUBECONFIG?: string | undefined; readonly HOME?: string | undefined },
  exists: (path: string) => boolean,
): string {
  const fromEnv = [...new Set((env.KUBECONFIG ?? "").split(":").filter((p) => p !== ""))];
  const candidates = [
    ...(fromEnv.length > 0 ? fromEnv : [`${env.HOME ?? ""}/.kube/config`]),
    ADMIN_CONF,
  ];
  return candidates.find(exists) ?? candidates[0]!;
}
