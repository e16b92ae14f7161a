/**
 * kadm's record of what it generated: `<certificatesDir>/.kadm-state.json` (0600, dot-named, written
 * atomically). It lists, per base name ("ca", "apiserver", "etcd/ca", "sa"), the SHA-256 fingerprints
 * of the public key (DER SubjectPublicKeyInfo) and of the certificate (DER) kadm made, and the IDs (never
 * the secrets) of the bootstrap tokens `kadm init` created. An entry is recorded *before* the files are
 * written, so a run killed between the key and its certificate leaves a key kadm recognises as its own.
 *
 * Uses: a key without its certificate is regenerated when it is kadm's; a CA certificate without its
 * key counts as a user's external CA only when kadm did not generate it; reset keeps a user's CA
 * (`isKadmGenerated`); a generated bootstrap token is created only on the first init.
 */
import { UserError } from "./errors.ts";
import { readTextIfExists, writeIfChanged } from "./host.ts";
import { parsePrivateKeyPem, pemDecodeAll } from "./pki/keys.ts";

export const STATE_FILE = ".kadm-state.json";
const STATE_MODE = 0o600;

export interface GeneratedEntry {
  /** "ca": a CA certificate and key; "leaf": a leaf certificate and key; "key": a key pair (sa). */
  readonly kind: "ca" | "leaf" | "key";
  /** Hex SHA-256 of the public key's DER SubjectPublicKeyInfo. */
  readonly key: string;
  /** Hex SHA-256 of the certificate's DER (absent for "key"). */
  readonly cert?: string;
}

export interface KadmState {
  readonly version: 1;
  /** By base name relative to the certificate folder, e.g. "ca", "etcd/server", "sa". */
  readonly generated: Readonly<Record<string, GeneratedEntry>>;
  /** IDs of the bootstrap-token Secrets `kadm init` created, oldest first. */
  readonly bootstrapTokens: readonly string[];
  /**
   * Control-plane components handed over to their self-hosted DaemonSets (recorded before the static
   * manifest is removed): their static manifests are not written again by a re-run.
   */
  readonly selfHosted: readonly string[];
}

export const EMPTY_STATE: KadmState = { version: 1, generated: {}, bootstrapTokens: [], selfHosted: [] };

export function statePath(certDir: string): string {
  return `${certDir}/${STATE_FILE}`;
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Hex SHA-256 of DER bytes (a certificate or a SubjectPublicKeyInfo). */
export async function fingerprint(derBytes: ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = derBytes instanceof Uint8Array ? new Uint8Array(derBytes) : new Uint8Array(derBytes);
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/** The fingerprint of a public key (its DER SubjectPublicKeyInfo). */
export async function keyFingerprint(publicKey: CryptoKey): Promise<string> {
  return fingerprint(await crypto.subtle.exportKey("spki", publicKey));
}

/** The fingerprint of the first certificate in a PEM text, or undefined when there is none. */
export function certPemFingerprint(pem: string): Promise<string | undefined> {
  const block = pemDecodeAll(pem).find((b) => b.type === "CERTIFICATE");
  return block ? fingerprint(block.data) : Promise.resolve(undefined);
}

function isEntry(v: unknown): v is GeneratedEntry {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return ["ca", "leaf", "key"].includes(e.kind as string) && typeof e.key === "string" &&
    (e.cert === undefined || typeof e.cert === "string");
}

/** Parses the record; a file kadm cannot read is a clear error (it is never partial: written atomically). */
export function parseState(text: string, path: string): KadmState {
  const bad = (why: string) =>
    new UserError(
      `Invalid kadm state file ${path}: ${why}; delete it only if no file in that folder came from kadm`,
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  const o = v as Record<string, unknown>;
  if (typeof v !== "object" || v === null || o.version !== 1) throw bad("unknown version");
  const gen = o.generated ?? {};
  if (typeof gen !== "object" || gen === null || !Object.values(gen).every(isEntry)) {
    throw bad("malformed generated entries");
  }
  const tokens = o.bootstrapTokens ?? [];
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string" && /^[a-z0-9]{6}$/.test(t))) {
    throw bad("malformed bootstrapTokens");
  }
  const selfHosted = o.selfHosted ?? [];
  if (
    !Array.isArray(selfHosted) || !selfHosted.every((c) => typeof c === "string" && /^kube-[a-z-]+$/.test(c))
  ) {
    throw bad("malformed selfHosted");
  }
  return {
    version: 1,
    generated: gen as Record<string, GeneratedEntry>,
    bootstrapTokens: tokens,
    selfHosted: selfHosted as string[],
  };
}

export function renderState(s: KadmState): string {
  const generated = Object.fromEntries(Object.entries(s.generated).sort(([a], [b]) => a.localeCompare(b)));
  const selfHosted = s.selfHosted.length > 0 ? { selfHosted: s.selfHosted } : {};
  return JSON.stringify(
    { version: 1, generated, bootstrapTokens: s.bootstrapTokens, ...selfHosted },
    null,
    2,
  ) +
    "\n";
}

/** The record in `certDir`, or the empty record when there is none. */
export async function readState(certDir: string): Promise<KadmState> {
  const path = statePath(certDir);
  const text = await readTextIfExists(path);
  return text === undefined ? EMPTY_STATE : parseState(text, path);
}

/** Read-modify-write of the record (atomic; unchanged content is not rewritten). */
export async function updateState(certDir: string, fn: (s: KadmState) => KadmState): Promise<KadmState> {
  const next = fn(await readState(certDir));
  await writeIfChanged(statePath(certDir), renderState(next), { mode: STATE_MODE, dirMode: 0o755 });
  return next;
}

export function withEntry(s: KadmState, baseName: string, e: GeneratedEntry): KadmState {
  return { ...s, generated: { ...s.generated, [baseName]: e } };
}

export function withToken(s: KadmState, id: string): KadmState {
  return s.bootstrapTokens.includes(id) ? s : { ...s, bootstrapTokens: [...s.bootstrapTokens, id] };
}

/** The record with `component` handed over (true) or back to its static Pod (false). */
export function withSelfHosted(s: KadmState, component: string, on: boolean): KadmState {
  const rest = s.selfHosted.filter((c) => c !== component);
  return { ...s, selfHosted: on ? [...rest, component] : rest };
}

/** Whether the key PEM is the one kadm recorded for `baseName`. */
export async function isRecordedKey(s: KadmState, baseName: string, keyPem: string, path: string) {
  const e = s.generated[baseName];
  if (!e) return false;
  const keys = await parsePrivateKeyPem(keyPem, path);
  return (await keyFingerprint(keys.publicKey)) === e.key;
}

/** Whether the certificate PEM is the one kadm recorded for `baseName`. */
export async function isRecordedCert(s: KadmState, baseName: string, certPem: string): Promise<boolean> {
  const e = s.generated[baseName];
  return e?.cert !== undefined && (await certPemFingerprint(certPem)) === e.cert;
}

/**
 * Whether kadm generated `<dir>/<baseName>.crt`/`.key` (or sa.key/sa.pub for "sa"): the record names
 * it and every file of it still on disk matches the record. False for a user's files (a user-provided
 * CA), for files replaced since, and when neither file exists. For `kadm reset`.
 */
export async function isKadmGenerated(dir: string, baseName: string): Promise<boolean> {
  const s = await readState(dir);
  const e = s.generated[baseName];
  if (!e) return false;
  const crt = e.kind === "key" ? undefined : await readTextIfExists(`${dir}/${baseName}.crt`);
  const key = await readTextIfExists(`${dir}/${baseName}.key`);
  if (crt === undefined && key === undefined) return false;
  try {
    if (crt !== undefined && !(await isRecordedCert(s, baseName, crt))) return false;
    if (key !== undefined && !(await isRecordedKey(s, baseName, key, `${dir}/${baseName}.key`))) return false;
  } catch (e) {
    if (e instanceof UserError) return false; // unreadable: not something kadm wrote
    throw e;
  }
  return true;
}
