/**
 * Selectors of the test API server, as kube-apiserver evaluates them: label selector strings
 * (`?labelSelector=`), `metav1.LabelSelector` objects (matchLabels + matchExpressions, as DaemonSet and
 * Deployment selectors), and field selectors (`?fieldSelector=`) with the per-kind field labels of
 * pkg/apis/core/v1/conversion.go: an unknown field is a 400 BadRequest, worded as the conversion func
 * words it ("field label not supported: x" for kinds with their own func, else the meta/v1 default).
 */
import { errors, type KubeObject, type ResourceInfo } from "./apiserver_types.ts";

/** `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma-separated. */
export function matchesLabelSelector(labels: Record<string, string>, selector: string): boolean {
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    if (t === "") return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const vals = m[3]!.split(",").map((s) => s.trim());
      const hit = m[1]! in labels && vals.includes(labels[m[1]!]!);
      return m[2] === "in" ? hit : !hit;
    }
    m = /^([^=!\s]+)\s*(!=|==|=)\s*(\S*)$/.exec(t);
    if (m) return m[2] === "!=" ? labels[m[1]!] !== m[3] : labels[m[1]!] === m[3];
    if (t.startsWith("!")) return !(t.slice(1) in labels);
    return t in labels;
  });
}

/**
 * metav1.LabelSelectorAsSelector(sel).Matches(labels): a missing selector matches nothing, an empty one
 * everything; matchExpressions with In, NotIn, Exists, DoesNotExist.
 */
export function labelSelectorObjectMatches(sel: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (sel === null || typeof sel !== "object") return false;
  const s = sel as KubeObject;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions : []) {
    const has = Object.hasOwn(labels, e?.key);
    const inValues = has && Array.isArray(e.values) && e.values.includes(labels[e.key]);
    const ok = e?.operator === "In"
      ? inValues
      : e?.operator === "NotIn"
      ? !inValues
      : e?.operator === "Exists"
      ? has
      : e?.operator === "DoesNotExist"
      ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

type FieldGetter = (o: KubeObject) => unknown;

const META: Readonly<Record<string, FieldGetter>> = {
  "metadata.name": (o) => o.metadata?.name,
  "metadata.namespace": (o) => o.metadata?.namespace,
};

/** Kinds with their own field label conversion func; every other kind accepts only META. */
const FIELDS: Readonly<Record<string, Readonly<Record<string, FieldGetter>>>> = {
  Pod: {
    ...META,
    "spec.nodeName": (o) => o.spec?.nodeName,
    "spec.host": (o) => o.spec?.nodeName,
    "spec.restartPolicy": (o) => o.spec?.restartPolicy,
    "spec.schedulerName": (o) => o.spec?.schedulerName,
    "spec.serviceAccountName": (o) => o.spec?.serviceAccountName,
    "spec.hostNetwork": (o) => String(o.spec?.hostNetwork === true),
    "status.phase": (o) => o.status?.phase,
    "status.podIP": (o) => o.status?.podIP,
    "status.podIPs": (o) => o.status?.podIP,
    "status.nominatedNodeName": (o) => o.status?.nominatedNodeName,
  },
  Node: {
    "metadata.name": META["metadata.name"]!,
    "spec.unschedulable": (o) => String(!!o.spec?.unschedulable),
  },
  Namespace: { "metadata.name": META["metadata.name"]!, "status.phase": (o) => o.status?.phase },
  Secret: { ...META, type: (o) => o.type },
  Service: { ...META, "spec.clusterIP": (o) => o.spec?.clusterIP, "spec.type": (o) => o.spec?.type },
  CertificateSigningRequest: {
    "metadata.name": META["metadata.name"]!,
    "spec.signerName": (o) => o.spec?.signerName,
  },
};

interface FieldTerm {
  readonly get: FieldGetter;
  readonly negate: boolean;
  readonly value: string;
}

/** Parses `?fieldSelector=` for `ri` (fields.ParseSelector + the kind's conversion); 400 on a bad term. */
export function parseFieldSelector(ri: ResourceInfo, selector: string): (o: KubeObject) => boolean {
  const known = FIELDS[ri.kind];
  const terms: FieldTerm[] = [];
  for (const raw of selector.split(",")) {
    if (raw.trim() === "") continue;
    const m = /^([^=!]+?)\s*(!=|==|=)\s*(.*)$/.exec(raw.trim());
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${raw}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const get = (known ?? META)[field];
    if (!get) {
      throw errors.badRequest(
        known
          ? `field label not supported: ${field}`
          : `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    terms.push({ get, negate: op === "!=", value });
  }
  return (o) => terms.every((t) => (String(t.get(o) ?? "") === t.value) !== t.negate);
}
