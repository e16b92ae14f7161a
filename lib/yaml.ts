/**
 * YAML the way Kubernetes tools write it (sigs.k8s.io/yaml: JSON field order sorted, go-yaml style):
 * keys sorted, sequences not indented under their key, no line folding.
 */
import YAML from "yaml";

/** Recursively sorts object keys (arrays keep their order). `undefined` values are dropped. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/**
 * Strings go-yaml (v2, YAML 1.1 resolution) would read back as something else: it writes them
 * double-quoted ("9153", "true", "on", ""); other strings that cannot be plain get single quotes.
 */
const NON_STRING =
  /^(?:|~|null|Null|NULL|[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?)$/;

/** Marshals like kubectl / kubeadm: sorted keys, `- ` at the parent's indentation, go-yaml quoting. */
export function toKubeYaml(obj: unknown): string {
  return fastKubeYaml(obj) ?? libraryKubeYaml(obj);
}

/** toKubeYaml through the yaml library: the reference for every shape. */
export function libraryKubeYaml(obj: unknown): string {
  const doc = new YAML.Document(sortKeys(obj));
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && NON_STRING.test(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}

/** Indents every line of `text` with a tab, as kubeadm's dry-run printer does. */
export function tabIndent(text: string): string {
  return text.replace(/\n$/, "").split("\n").map((l) => "\t" + l).join("\n");
}

// ---------------------------------------------------------------- fast path

/**
 * The same text as libraryKubeYaml for the common shapes (a map or list of maps, lists, and scalars
 * that need no escaping), ~10x faster; undefined for anything else (the library then writes it). A
 * string qualifies when it is printable ASCII the yaml library would write plain: no indicator first,
 * no ": " or " #", no trailing ":" or space, no document marker; NON_STRING ones are double-quoted.
 */
export function fastKubeYaml(obj: unknown): string | undefined {
  if (!isPlainObject(obj) && !Array.isArray(obj)) return undefined;
  const lines: string[] = [];
  const ok = Array.isArray(obj) ? obj.length > 0 && seqLines(obj, "", lines) : mapLines(obj, "", lines);
  if (!ok) return undefined;
  return lines.length === 0 ? "{}\n" : lines.join("\n") + "\n";
}

const PRINTABLE = /^[\x20-\x7e]*$/;
/** The yaml library's test for a string that cannot be plain (for one printable line), plus `"` and `\`. */
const NOT_PLAIN = /^[ ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-] |: | #|[ :]$|^(---|\.\.\.)|["\\]/;

/** A scalar as the yaml library writes it here, or undefined (fall back). */
function scalar(v: unknown): string | undefined {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0) ? JSON.stringify(v) : undefined;
  if (typeof v !== "string" || v.length > 1000 || !PRINTABLE.test(v)) return undefined;
  if (NON_STRING.test(v)) return /["\\]/.test(v) ? undefined : `"${v}"`;
  return NOT_PLAIN.test(v) ? undefined : v;
}

/** Empty collections inline; undefined when `v` is a non-empty collection. */
function inline(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length === 0 ? "[]" : undefined;
  if (isPlainObject(v)) return Object.keys(v).some((k) => v[k] !== undefined) ? undefined : "{}";
  return scalar(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function mapLines(obj: Record<string, unknown>, indent: string, out: string[]): boolean {
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    const key = scalar(k);
    if (key === undefined || key !== k || k === "") return false;
    const flat = inline(v);
    if (flat !== undefined) out.push(`${indent}${key}: ${flat}`);
    else if (Array.isArray(v)) {
      out.push(`${indent}${key}:`);
      if (!seqLines(v, indent, out)) return false;
    } else if (isPlainObject(v)) {
      out.push(`${indent}${key}:`);
      if (!mapLines(v, indent + "  ", out)) return false;
    } else return false;
  }
  return true;
}

function seqLines(list: readonly unknown[], indent: string, out: string[]): boolean {
  for (const v of list) {
    const flat = v === undefined ? undefined : inline(v);
    if (flat !== undefined) out.push(`${indent}- ${flat}`);
    else if (isPlainObject(v)) {
      const start = out.length;
      if (!mapLines(v, indent + "  ", out)) return false;
      out[start] = `${indent}- ${out[start]!.slice(indent.length + 2)}`;
    } else return false;
  }
  return true;
}
