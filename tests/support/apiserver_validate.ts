/**
 * Validation the test API server applies where kadm could get an object wrong, with the field paths
 * and reasons of pkg/apis/<group>/validation: names, labels and annotation keys, ConfigMap/Secret keys,
 * Secret data as base64 (a decode error, hence 400 on create/update and 422 on patch), RBAC roles and
 * bindings (roleRef immutable), Node taints (known effects, unique key+effect), Deployment/DaemonSet
 * selectors (must match the template, not empty, immutable) and containers, the keys each built-in Secret
 * type needs (kubernetes.io/tls: tls.crt and tls.key), Pod containers and the Pod spec's immutability,
 * Service ports.
 */
import { POD_UPDATE_FORBIDDEN, podSpecChangeForbidden } from "./apiserver_pods.ts";
import { labelSelectorObjectMatches } from "./apiserver_select.ts";
import {
  fieldErr,
  type FieldError,
  goValue,
  type KubeObject,
  labelValueOk,
  nameErrors,
  qualifiedNameOk,
  type ResourceInfo,
} from "./apiserver_types.ts";

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const isMap = (v: unknown): v is KubeObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** Go's base64.StdEncoding: the offset of the first bad byte, or -1 when `s` decodes. */
export function base64ErrorOffset(s: string): number {
  const clean = s.replace(/[\r\n]/g, "");
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return s.indexOf(clean[bad]!);
  const pad = clean.indexOf("=");
  if (pad >= 0 && !/^={1,2}$/.test(clean.slice(pad))) return pad;
  if (clean.length % 4 !== 0) return clean.length - (clean.length % 4);
  return -1;
}

/** The decode error of a Secret's data (or a ConfigMap's binaryData), as Go's json decoder words it. */
export function bytesFieldError(obj: KubeObject, field: "data" | "binaryData"): string | undefined {
  const m = obj[field];
  if (m === undefined || m === null) return undefined;
  if (!isMap(m)) {
    return `json: cannot unmarshal ${Array.isArray(m) ? "array" : typeof m} into Go struct field`;
  }
  for (const v of Object.values(m)) {
    if (v === null) continue;
    if (typeof v !== "string") return `json: cannot unmarshal ${typeof v} into Go value of type []uint8`;
    const off = base64ErrorOffset(v);
    if (off >= 0) return `illegal base64 data at input byte ${off}`;
  }
  return undefined;
}

function metaErrors(ri: ResourceInfo, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const meta = isMap(obj.metadata) ? obj.metadata : {};
  const name = meta.name;
  if (typeof name !== "string" || name === "") {
    errs.push(fieldErr.required("metadata.name", "name or generateName is required"));
  } else {
    for (const why of nameErrors(ri.nameRule, name)) errs.push(fieldErr.invalid("metadata.name", name, why));
  }
  for (const [k, v] of Object.entries(isMap(meta.labels) ? meta.labels : {})) {
    if (!qualifiedNameOk(k)) {
      errs.push(fieldErr.invalid("metadata.labels", k, "name part must be a valid label key"));
    }
    if (!labelValueOk(v)) {
      errs.push(fieldErr.invalid(
        "metadata.labels",
        v,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
          "start and end with an alphanumeric character",
      ));
    }
  }
  for (const [k, v] of Object.entries(isMap(meta.annotations) ? meta.annotations : {})) {
    if (!qualifiedNameOk(k)) {
      errs.push(fieldErr.invalid("metadata.annotations", k, "name part must be valid"));
    }
    if (typeof v !== "string") errs.push(fieldErr.invalid(`metadata.annotations`, v, "must be a string"));
  }
  return errs;
}

function keysErrors(field: string, m: unknown): FieldError[] {
  if (!isMap(m)) return [];
  return Object.keys(m).filter((k) => !CONFIG_KEY.test(k)).map((k) =>
    fieldErr.invalid(
      `${field}[${k}]`,
      k,
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    )
  );
}

function rulesErrors(rules: unknown, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(rules) ? rules : []).forEach((r: KubeObject, i) => {
    const p = `rules[${i}]`;
    if (!Array.isArray(r?.verbs) || r.verbs.length === 0) {
      errs.push(fieldErr.required(`${p}.verbs`, "verbs must contain at least one value"));
    }
    const nonRes = Array.isArray(r?.nonResourceURLs) && r.nonResourceURLs.length > 0;
    if (nonRes && namespaced) {
      errs.push(
        fieldErr.invalid(
          `${p}.nonResourceURLs`,
          r.nonResourceURLs,
          "namespaced rules cannot apply to non-resource URLs",
        ),
      );
    }
    if (nonRes && (r.apiGroups?.length || r.resources?.length)) {
      errs.push(
        fieldErr.invalid(
          `${p}.nonResourceURLs`,
          r.nonResourceURLs,
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      );
    }
    if (!nonRes) {
      if (!Array.isArray(r?.apiGroups) || r.apiGroups.length === 0) {
        errs.push(fieldErr.required(`${p}.apiGroups`, "resource rules must supply at least one api group"));
      }
      if (!Array.isArray(r?.resources) || r.resources.length === 0) {
        errs.push(fieldErr.required(`${p}.resources`, "resource rules must supply at least one resource"));
      }
    }
  });
  return errs;
}

function bindingErrors(obj: KubeObject, clusterBinding: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = obj.roleRef;
  if (!isMap(ref)) return [fieldErr.required("roleRef", "")];
  const kinds = clusterBinding ? ["ClusterRole"] : ["Role", "ClusterRole"];
  if (!kinds.includes(ref.kind)) errs.push(fieldErr.notSupported("roleRef.kind", ref.kind ?? "", kinds));
  if (ref.apiGroup !== "rbac.authorization.k8s.io") {
    errs.push(fieldErr.notSupported("roleRef.apiGroup", ref.apiGroup ?? "", ["rbac.authorization.k8s.io"]));
  }
  if (!ref.name) errs.push(fieldErr.required("roleRef.name", ""));
  (Array.isArray(obj.subjects) ? obj.subjects : []).forEach((s: KubeObject, i) => {
    const p = `subjects[${i}]`;
    if (!s?.name) errs.push(fieldErr.required(`${p}.name`, ""));
    if (!["User", "Group", "ServiceAccount"].includes(s?.kind)) {
      errs.push(fieldErr.notSupported(`${p}.kind`, s?.kind ?? "", ["ServiceAccount", "User", "Group"]));
    } else if (s.kind === "ServiceAccount") {
      if (s.apiGroup) errs.push(fieldErr.notSupported(`${p}.apiGroup`, s.apiGroup, [""]));
      if (clusterBinding && !s.namespace) errs.push(fieldErr.required(`${p}.namespace`, ""));
    } else if (s.apiGroup !== "rbac.authorization.k8s.io") {
      errs.push(fieldErr.notSupported(`${p}.apiGroup`, s.apiGroup ?? "", ["rbac.authorization.k8s.io"]));
    }
  });
  return errs;
}

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

function taintErrors(taints: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (Array.isArray(taints) ? taints : []).forEach((t: KubeObject, i) => {
    const p = `spec.taints[${i}]`;
    if (!t?.key || !qualifiedNameOk(t.key)) {
      errs.push(fieldErr.invalid(`${p}.key`, t?.key ?? "", "name part must be a valid qualified name"));
    }
    if (!TAINT_EFFECTS.includes(t?.effect)) {
      errs.push(fieldErr.notSupported(`${p}.effect`, t?.effect ?? "", TAINT_EFFECTS));
    }
    const id = `${t?.key}:${t?.effect}`;
    if (seen.has(id)) {
      errs.push({
        ...fieldErr.duplicate(p, t),
        detail: `Duplicate value: ${JSON.stringify(t)}: taints must be unique by key and effect pair`,
      });
    }
    seen.add(id);
  });
  return errs;
}

/** Go's %#v of a *metav1.LabelSelector after field.Error dereferences it. */
function goSelector(sel: KubeObject): string {
  const ml = sel.matchLabels === undefined ? "map[string]string(nil)" : goValue(sel.matchLabels);
  const me = sel.matchExpressions === undefined
    ? "[]v1.LabelSelectorRequirement(nil)"
    : `[]v1.LabelSelectorRequirement{${
      (sel.matchExpressions as KubeObject[]).map((e) =>
        `v1.LabelSelectorRequirement{Key:${JSON.stringify(e?.key ?? "")}, Operator:${
          JSON.stringify(e?.operator ?? "")
        }, Values:[]string{${(e?.values ?? []).map((v: unknown) => JSON.stringify(v)).join(", ")}}}`
      ).join(", ")
    }}`;
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

/** ValidatePodSpec, the part kadm could get wrong: containers with names and images, restartPolicy. */
function podSpecErrors(spec: unknown, p: string, restartPolicies: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const s = isMap(spec) ? spec : {};
  const containers = s.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push(fieldErr.required(`${p}.containers`, ""));
  } else {
    containers.forEach((c: KubeObject, i) => {
      if (!c?.name) errs.push(fieldErr.required(`${p}.containers[${i}].name`, ""));
      if (!c?.image) errs.push(fieldErr.required(`${p}.containers[${i}].image`, ""));
    });
  }
  const rp = s.restartPolicy ?? "Always";
  if (!restartPolicies.includes(rp)) {
    errs.push(fieldErr.notSupported(`${p}.restartPolicy`, rp, restartPolicies));
  }
  return errs;
}

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];

/** ValidateDaemonSetSpec / ValidateDeploymentSpec: the selector, its match with the template, the pod spec. */
function workloadErrors(kind: string, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const sel = isMap(obj.spec?.selector) ? obj.spec.selector : undefined;
  const labels = obj.spec?.template?.metadata?.labels;
  const size = sel
    ? Object.keys(isMap(sel.matchLabels) ? sel.matchLabels : {}).length +
      (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0)
    : -1;
  const mismatch = labelSelectorObjectMatches(sel, isMap(labels) ? labels : {}) ? [] : [
    fieldErr.invalidGo(
      "spec.template.metadata.labels",
      goValue(labels),
      "`selector` does not match template `labels`",
    ),
  ];
  const empty = size === 0
    ? [
      fieldErr.invalidGo(
        "spec.selector",
        goSelector(sel!),
        `empty selector is invalid for ${kind.toLowerCase()}`,
      ),
    ]
    : [];
  if (kind === "DaemonSet") errs.push(...mismatch, ...empty);
  else {
    // ValidateDeploymentSpec: Required for a missing selector; an empty one matches everything.
    if (!sel) errs.push(fieldErr.required("spec.selector", ""));
    errs.push(...empty, ...(size === 0 ? [] : mismatch));
  }
  const policies = kind === "DaemonSet" ? ["Always"] : RESTART_POLICIES;
  errs.push(...podSpecErrors(obj.spec?.template?.spec, "spec.template.spec", policies));
  return errs;
}

/** ValidateSecret's per-type checks (pkg/apis/core/validation): the keys each built-in type needs. */
function secretTypeErrors(obj: KubeObject): FieldError[] {
  const data = isMap(obj.data) ? obj.data : {};
  const need = (...keys: string[]) =>
    keys.filter((k) => !Object.hasOwn(data, k)).map((k) => fieldErr.required(`data[${k}]`, ""));
  switch (obj.type) {
    case "kubernetes.io/tls":
      return need("tls.crt", "tls.key");
    case "kubernetes.io/ssh-auth":
      return data["ssh-privatekey"] ? [] : [fieldErr.required("data[ssh-privatekey]", "")];
    case "kubernetes.io/basic-auth":
      return Object.hasOwn(data, "username") || Object.hasOwn(data, "password")
        ? []
        : need("username", "password");
    case "kubernetes.io/dockerconfigjson":
      return need(".dockerconfigjson");
    case "kubernetes.io/dockercfg":
      return need(".dockercfg");
    case "kubernetes.io/service-account-token":
      return obj.metadata?.annotations?.["kubernetes.io/service-account.name"]
        ? []
        : [fieldErr.required("metadata.annotations[kubernetes.io/service-account.name]", "")];
    default:
      return [];
  }
}

/** Field errors for `obj` of kind `ri`; `old` is the stored object on an update. */
export function validate(ri: ResourceInfo, obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = metaErrors(ri, obj);
  switch (ri.kind) {
    case "ConfigMap":
      errs.push(...keysErrors("data", obj.data), ...keysErrors("binaryData", obj.binaryData));
      for (const [k, v] of Object.entries(isMap(obj.data) ? obj.data : {})) {
        if (typeof v !== "string") errs.push(fieldErr.invalid(`data[${k}]`, v, "must be a string"));
        if (isMap(obj.binaryData) && k in obj.binaryData) {
          errs.push(fieldErr.invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
        }
      }
      break;
    case "Secret":
      errs.push(...keysErrors("data", obj.data), ...secretTypeErrors(obj));
      if (old && (old.type ?? "Opaque") !== (obj.type ?? "Opaque")) {
        errs.push(fieldErr.invalid("type", obj.type, "field is immutable"));
      }
      break;
    case "Role":
    case "ClusterRole":
      errs.push(...rulesErrors(obj.rules, ri.kind === "Role"));
      break;
    case "RoleBinding":
    case "ClusterRoleBinding":
      errs.push(...bindingErrors(obj, ri.kind === "ClusterRoleBinding"));
      if (old && JSON.stringify(old.roleRef) !== JSON.stringify(obj.roleRef)) {
        errs.push(fieldErr.invalid("roleRef", obj.roleRef, "cannot change roleRef"));
      }
      break;
    case "Node":
      errs.push(...taintErrors(obj.spec?.taints));
      break;
    case "Deployment":
    case "DaemonSet":
      errs.push(...workloadErrors(ri.kind, obj));
      if (old && JSON.stringify(old.spec?.selector) !== JSON.stringify(obj.spec?.selector)) {
        errs.push(fieldErr.invalid("spec.selector", obj.spec?.selector, "field is immutable"));
      }
      break;
    case "Pod":
      errs.push(...podSpecErrors(obj.spec, "spec", RESTART_POLICIES));
      if (old && podSpecChangeForbidden(obj, old)) {
        errs.push(fieldErr.forbidden("spec", POD_UPDATE_FORBIDDEN));
      }
      break;
    case "Service": {
      const type = obj.spec?.type ?? "ClusterIP";
      const headless = obj.spec?.clusterIP === "None";
      if (
        type !== "ExternalName" && !headless && !(Array.isArray(obj.spec?.ports) && obj.spec.ports.length > 0)
      ) {
        errs.push(fieldErr.required("spec.ports", ""));
      }
      if (old?.spec?.clusterIP && obj.spec?.clusterIP && old.spec.clusterIP !== obj.spec.clusterIP) {
        errs.push(fieldErr.invalid("spec.clusterIPs[0]", obj.spec.clusterIP, "may not change once set"));
      }
      break;
    }
  }
  return errs;
}
