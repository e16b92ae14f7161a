/**
 * Fault injection for the test API server: the next N matching requests answer 500/503/429 (429 with
 * Retry-After, as kube-apiserver's max-in-flight and APF filters do), lose their connection, or wait.
 * Several delays can stack on one request; at most one answering fault (status or drop) applies.
 */

/** Which requests a fault applies to: method (upper case) and path (exact, or a RegExp); both optional. */
export interface FaultMatch {
  readonly method?: string;
  readonly path?: string | RegExp;
}

export type FaultAction =
  | { readonly kind: "status"; readonly code: 500 | 503 | 429; readonly retryAfterSeconds?: number }
  | { readonly kind: "drop" }
  | { readonly kind: "delay"; readonly ms: number };

/** A fault for the next `times` matching requests (Infinity: until cleared). */
export type FaultRule = FaultMatch & FaultAction & { readonly times: number };

export interface FaultControl {
  /** The next `n` matching requests answer `code` (default 500; 429 carries Retry-After, default 1 s). */
  failNext(n: number, opts?: FaultMatch & { code?: 500 | 503 | 429; retryAfterSeconds?: number }): void;
  /** The next `n` matching requests have their connection destroyed without a response. */
  dropNext(n: number, match?: FaultMatch): void;
  /** Matching requests wait `ms` before being served (`times` default: every request). */
  delay(ms: number, opts?: FaultMatch & { times?: number }): void;
  add(rule: FaultRule): void;
  clear(): void;
  /** Fault activations left (Infinity while an unbounded delay is set). */
  readonly pending: number;
}

export function faultControl(initial: readonly FaultRule[]) {
  const rules: { rule: FaultRule; left: number }[] = initial.map((rule) => ({ rule, left: rule.times }));
  const control: FaultControl = {
    failNext(n, o = {}) {
      const code = o.code ?? 500;
      control.add({
        method: o.method,
        path: o.path,
        kind: "status",
        code,
        retryAfterSeconds: o.retryAfterSeconds,
        times: n,
      });
    },
    dropNext(n, m = {}) {
      control.add({ ...m, kind: "drop", times: n });
    },
    delay(ms, o = {}) {
      control.add({ method: o.method, path: o.path, kind: "delay", ms, times: o.times ?? Infinity });
    },
    add(rule) {
      rules.push({ rule, left: rule.times });
    },
    clear() {
      rules.length = 0;
    },
    get pending() {
      return rules.reduce((n, r) => n + r.left, 0);
    },
  };
  /** The faults that apply to this request (consuming one activation of each). */
  const take = (method: string, path: string): FaultAction[] => {
    const out: FaultAction[] = [];
    for (const r of rules) {
      if (r.left <= 0) continue;
      const { method: m, path: p } = r.rule;
      if (m && m.toUpperCase() !== method) continue;
      if (p !== undefined && (typeof p === "string" ? p !== path : !p.test(path))) continue;
      if (r.rule.kind !== "delay" && out.some((f) => f.kind !== "delay")) continue;
      r.left--;
      out.push(r.rule);
    }
    return out;
  };
  return { control, take };
}
