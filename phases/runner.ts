/**
 * The phase runner: flattens the phase tree into paths (`certs/apiserver`), applies `--skip-phases`
 * and `init phase <path>`, rejects unknown names, and wraps a failure as
 * `error execution phase certs/apiserver: <cause>`.
 */
import { PhaseError, UserError } from "../lib/errors.ts";
import type { InitContext, Phase } from "./types.ts";

export interface FlatPhase {
  readonly path: string;
  readonly phase: Phase;
  readonly depth: number;
}

export function flatten(phases: readonly Phase[], prefix = "", depth = 0): FlatPhase[] {
  const out: FlatPhase[] = [];
  for (const p of phases) {
    const path = prefix ? `${prefix}/${p.name}` : p.name;
    out.push({ path, phase: p, depth });
    if (p.phases) out.push(...flatten(p.phases, path, depth + 1));
  }
  return out;
}

/** Normalizes and checks `--skip-phases` values against the tree (`certs/all` means `certs`). */
export function validateSkips(tree: readonly Phase[], skips: readonly string[]): string[] {
  const known = new Set(flatten(tree).map((f) => f.path));
  const out: string[] = [];
  for (const raw of skips) {
    const s = canonicalPath(tree, raw.trim().replace(/\/all$/, ""));
    if (s === "") continue;
    if (!known.has(s)) {
      throw new UserError(
        `Invalid value for --skip-phases: phase "${raw}" does not exist; valid phases: ${
          [...known].join(", ")
        }`,
      );
    }
    out.push(s);
  }
  return out;
}

/** `kubelet-finalize/experimental-cert-rotation` -> `kubelet-finalize/enable-client-cert-rotation`. */
function canonicalPath(tree: readonly Phase[], path: string): string {
  let list = tree;
  const out: string[] = [];
  for (const w of path.split("/")) {
    const p = list.find((x) => x.name === w || x.aliases?.includes(w));
    if (!p) return path;
    out.push(p.name);
    list = p.phases ?? [];
  }
  return out.join("/");
}

function isSkipped(path: string, skips: readonly string[]): boolean {
  return skips.some((s) => path === s || path.startsWith(s + "/"));
}

/** `explicit`: named by `kadm init phase` (itself or a parent); `selected`: named itself. */
async function runOne(
  p: Phase,
  path: string,
  ctx: InitContext,
  skips: readonly string[],
  how: { explicit: boolean; selected: boolean } = { explicit: false, selected: false },
): Promise<void> {
  if (isSkipped(path, skips)) return;
  if (p.explicitOnly && !how.selected) return;
  if (p.runIf && !p.runIf(ctx)) {
    if (how.explicit && p.skipNote) ctx.log.info(p.skipNote(ctx));
    return;
  }
  if (p.run) {
    try {
      await p.run(ctx);
    } catch (e) {
      throw e instanceof PhaseError ? e : new PhaseError(path, e);
    }
  }
  for (const child of p.phases ?? []) {
    await runOne(child, `${path}/${child.name}`, ctx, skips, { explicit: how.explicit, selected: false });
  }
}

/** Runs the whole tree in order, honouring skips. */
export async function runAll(
  tree: readonly Phase[],
  ctx: InitContext,
  skips: readonly string[],
): Promise<void> {
  for (const p of tree) await runOne(p, p.name, ctx, skips);
}

/** Finds a phase by the words of `kadm init phase <name> [sub]` (`all` selects the parent). */
export function findPhase(tree: readonly Phase[], words: readonly string[]): { phase: Phase; path: string } {
  let list = tree;
  let found: Phase | undefined;
  const path: string[] = [];
  for (const w of words) {
    if (w === "all" && found) break;
    const next = list.find((p) => p.name === w || p.aliases?.includes(w));
    if (!next) {
      const where = path.length ? `"${path.join(" ")}"` : "init";
      throw new UserError(
        `Unknown phase "${w}" of ${where}: valid names are ${list.map((p) => p.name).join(", ")}` +
          (found ? ", all" : ""),
      );
    }
    found = next;
    path.push(next.name);
    list = next.phases ?? [];
  }
  if (!found) throw new UserError("No phase given: run 'kadm init phase --help' for the list");
  return { phase: found, path: path.join("/") };
}

/** Runs one phase (and its sub-phases) as `kadm init phase` does. */
export async function runSelected(
  tree: readonly Phase[],
  words: readonly string[],
  ctx: InitContext,
): Promise<void> {
  const { phase, path } = findPhase(tree, words);
  await runOne(phase, path, ctx, [], { explicit: true, selected: true });
}

/** Help text for the phase tree, indented like kubeadm's `init --help`. */
export function phaseHelp(tree: readonly Phase[]): string {
  const rows = flatten(tree).map((
    f,
  ) => [`${"  ".repeat(f.depth)}${f.depth ? "/" : ""}${f.phase.name}`, f.phase.short]);
  const width = Math.max(...rows.map(([n]) => n!.length)) + 2;
  return rows.map(([n, s]) => `  ${n!.padEnd(width)}${s}`).join("\n");
}
