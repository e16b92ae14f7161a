/**
 * Multi-document YAML -> plain values plus the line of every field, so that every problem can name
 * its line. YAML syntax errors become problems with their line, never exceptions.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { Document } from "yaml";
import { at, type Problems } from "./problems.ts";

export interface SourceDoc {
  /** Line where the document starts. */
  readonly line: number;
  readonly value: unknown;
  /** Field path (`a.b[0].c`) -> line of its key (or item). */
  readonly lines: ReadonlyMap<string, number>;
}

export function parseYamlDocuments(text: string, file: string, problems: Problems): SourceDoc[] {
  const lc = new LineCounter();
  const docs = Array.from(
    parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }),
  );
  const out: SourceDoc[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
        const msg = (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
        problems.add(`Invalid YAML in ${file} ${at("", line).trim()}: ${msg}`);
      }
      continue;
    }
    const lines = new Map<string, number>();
    const lineOf = (node: unknown): number | undefined => {
      const r = (node as { range?: [number, number, number] } | null)?.range;
      return r ? lc.linePos(r[0]).line : undefined;
    };
    const plain = (node: unknown, path: string, depth: number): unknown => {
      if (depth > 64) {
        problems.add(`Invalid YAML in ${file} ${at("", lineOf(node)).trim()}: nesting is too deep`);
        return null;
      }
      if (isAlias(node)) return plain(node.resolve(doc as Document), path, depth + 1);
      if (isMap(node)) {
        const obj: Record<string, unknown> = {};
        for (const pair of node.items) {
          const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key ?? "");
          const p = path === "" ? k : `${path}.${k}`;
          const line = lineOf(pair.key) ?? lineOf(pair.value);
          if (line !== undefined) lines.set(p, line);
          if (k === "__proto__") {
            problems.add(`Invalid field name "__proto__" in ${file} ${at("", line).trim()}`);
            continue;
          }
          obj[k] = plain(pair.value, p, depth + 1);
        }
        return obj;
      }
      if (isSeq(node)) {
        return node.items.map((item, i) => {
          const p = `${path}[${i}]`;
          const line = lineOf(item);
          if (line !== undefined) lines.set(p, line);
          return plain(item, p, depth + 1);
        });
      }
      if (isScalar(node)) return node.value;
      return null;
    };
    const start = doc.range ? lc.linePos(doc.range[0]).line : 1;
    const value = plain(doc.contents, "", 0);
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)
    out.push({ line: lineOf(doc.contents) ?? start, value, lines });
  }
  return out;
}
