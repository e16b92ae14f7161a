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
