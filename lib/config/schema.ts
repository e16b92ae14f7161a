/**
 * A tiny typed decoder for the config dialects: checks types and unknown fields, reports each problem
 * as one line naming the field and its line, and infers the decoded TypeScript type from the schema.
 * `null` decodes as absent (Go's nil / zero value), so `taints: null` and a missing `taints` agree.
 */
import { at, type Problems } from "./problems.ts";

export interface Cx {
  readonly problems: Problems;
  /** e.g. `kubeadm.k8s.io/v1beta3 ClusterConfiguration` */
  readonly docName: string;
  lineOf(path: string): number | undefined;
}

export type Schema<T> = (v: unknown, path: string, cx: Cx) => T | undefined;
export type Out<S> = S extends Schema<infer T> ? T : never;

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a map";
  if (typeof v === "number") return "a number";
  if (typeof v === "boolean") return "a boolean";
  return `a ${typeof v}`;
}

function wrongType(v: unknown, path: string, cx: Cx, want: string): undefined {
  const hint = typeof v === "number" || typeof v === "boolean" ? "; put it in quotes" : "";
  cx.problems.add(`Invalid type for ${at(path, cx.lineOf(path))}: expected ${want}, got ${kindOf(v)}${hint}`);
  return undefined;
}

export const str: Schema<string> = (v, path, cx) => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return v;
  return wrongType(v, path, cx, "a string");
};

export const int: Schema<number> = (v, path, cx) => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return wrongType(v, path, cx, "an integer");
};

const TRUE = new Set(["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"]);
const FALSE = new Set(["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"]);

/** Booleans; the YAML 1.1 spellings Go's YAML reader accepts (yes/no/on/off) count too. */
export const bool: Schema<boolean> = (v, path, cx) => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && TRUE.has(v)) return true;
  if (typeof v === "string" && FALSE.has(v)) return false;
  return wrongType(v, path, cx, "a boolean (true or false)");
};

/** A Go duration string; a bare 0 is accepted too. Checked for syntax later (validation). */
export const duration: Schema<string> = (v, path, cx) => {
  if (v === 0) return "0";
  return str(v, path, cx);
};

export const anyValue: Schema<unknown> = (v) => (v === null ? undefined : v);

export const record: Schema<Record<string, unknown>> = (v, path, cx) => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  return wrongType(v, path, cx, "a map");
};

export function list<T>(item: Schema<T>): Schema<T[]> {
  return (v, path, cx) => {
    if (v === null || v === undefined) return undefined;
    if (!Array.isArray(v)) return wrongType(v, path, cx, "a list");
    const out: T[] = [];
    v.forEach((x, i) => {
      const d = item(x, `${path}[${i}]`, cx);
      if (d !== undefined) out.push(d);
    });
    return out;
  };
}

export function mapOf<T>(value: Schema<T>, want: string): Schema<Record<string, T>> {
  return (v, path, cx) => {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) return wrongType(v, path, cx, want);
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) {
      const d = value(x, `${path}.${k}`, cx);
      if (d !== undefined) out[k] = d;
    }
    return out;
  };
}

// deno-lint-ignore no-explicit-any
type Shape = Record<string, Schema<any>>;
export type ObjOut<S extends Shape> = { [K in keyof S]?: Out<S[K]> };

/** A struct: known fields decoded, unknown ones reported (with a did-you-mean for case slips). */
export function obj<S extends Shape>(shape: S): Schema<ObjOut<S>> {
  return (v, path, cx) => {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) return wrongType(v, path, cx, "a map");
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = path === "" ? k : `${path}.${k}`;
      const field = Object.hasOwn(shape, k) ? shape[k] : undefined;
      if (!field) {
        const near = Object.keys(shape).find((s) => s.toLowerCase() === k.toLowerCase());
        const hint = near ? `did you mean "${near}"?` : "check its spelling and the apiVersion";
        cx.problems.add(`Unknown field ${at(p, cx.lineOf(p))} in ${cx.docName}: ${hint}`);
        continue;
      }
      const d = field(x, p, cx);
      if (d !== undefined) out[k] = d;
    }
    return out as ObjOut<S>;
  };
}
