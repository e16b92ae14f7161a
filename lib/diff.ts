/**
 * A short unified-style line diff (pure): what a re-run prints when it replaces a static Pod manifest or
 * a kubelet file that differed from the config. Hunks of changed lines with a little context, `-` for
 * the file on disk, `+` for the new content, capped so a rewritten file does not flood the output.
 */

export interface DiffOptions {
  /** Unchanged lines shown around each change. */
  readonly context?: number;
  /** At most this many hunk lines; the rest is summarised in one line. */
  readonly maxLines?: number;
}

type Op = { readonly t: " " | "-" | "+"; readonly line: string; readonly a: number; readonly b: number };

/** Line operations turning `a` into `b` (longest common subsequence; plain replace when too large). */
function ops(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) {
    suf++;
  }
  const am = a.slice(pre, a.length - suf), bm = b.slice(pre, b.length - suf);
  const out: Op[] = [];
  for (let i = 0; i < pre; i++) out.push({ t: " ", line: a[i]!, a: i, b: i });
  const n = am.length, m = bm.length;
  if (n * m > 4_000_000) {
    am.forEach((line, i) => out.push({ t: "-", line, a: pre + i, b: pre }));
    bm.forEach((line, j) => out.push({ t: "+", line, a: pre + n, b: pre + j }));
  } else {
    // lcs[i][j] = LCS length of am[i:] and bm[j:]
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i]![j] = am[i] === bm[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        out.push({ t: " ", line: am[i]!, a: pre + i++, b: pre + j++ });
      } else if (j < m && (i >= n || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
        out.push({ t: "+", line: bm[j]!, a: pre + i, b: pre + j++ });
      } else out.push({ t: "-", line: am[i]!, a: pre + i++, b: pre + j });
    }
  }
  for (let k = 0; k < suf; k++) {
    out.push({ t: " ", line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  }
  return out;
}

const splitLines = (s: string) => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));

/**
 * The diff of `before` (on disk) and `after` (new), labelled; [] when they are equal.
 *
 *   --- <label> (on disk)
 *   +++ <label> (new)
 *   @@ -12,3 +12,3 @@
 *        - --v=2
 *   -    - --bind-address=127.0.0.1
 *   +    - --bind-address=0.0.0.0
 */
export function unifiedDiff(before: string, after: string, label: string, o: DiffOptions = {}): string[] {
  const context = o.context ?? 2, maxLines = o.maxLines ?? 60;
  const all = ops(splitLines(before), splitLines(after));
  const changed = all.map((op, i) => (op.t === " " ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return [];
  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const lo = Math.max(0, i - context), hi = Math.min(all.length - 1, i + context);
    const last = hunks.at(-1);
    if (last && lo <= last[1] + 1) last[1] = hi;
    else hunks.push([lo, hi]);
  }
  const out = [`--- ${label} (on disk)`, `+++ ${label} (new)`];
  let shown = 0, total = 0;
  for (const [lo, hi] of hunks) {
    const body = all.slice(lo, hi + 1);
    total += body.length + 1;
    if (shown >= maxLines) continue;
    const first = body[0]!;
    const aLen = body.filter((x) => x.t !== "+").length, bLen = body.filter((x) => x.t !== "-").length;
    const lines = [
      `@@ -${first.a + (aLen ? 1 : 0)},${aLen} +${first.b + (bLen ? 1 : 0)},${bLen} @@`,
      ...body.map((x) => `${x.t}${x.line}`),
    ];
    const room = maxLines - shown;
    out.push(...lines.slice(0, room));
    shown += Math.min(room, lines.length);
  }
  if (total > shown) out.push(`... (${total - shown} more diff lines not shown)`);
  return out;
}
