/**
 * The two standard JSON patch formats kubeadm's `--patches` accepts besides strategic merge:
 * RFC 7386 JSON merge patch (`+merge`) and RFC 6902 JSON patch (`+json`), with the behaviour of the
 * library kubeadm uses (evanphx/json-patch v4): values are plain JSON (parsed YAML), inputs are never
 * mutated, failures throw a `PatchError` whose message says what did not apply.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** A patch that does not apply (or is malformed); the caller adds the file and the target. */
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatchError";
  }
}

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 7386: objects merge key by key, `null` deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

// ---- RFC 6902 ----

export interface JsonPatchOp {
  readonly op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  readonly path: string;
  readonly from?: string;
  readonly value?: Json;
}

const OPS: ReadonlySet<string> = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks the shape of a JSON patch document (an array of operations); returns it typed. */
export function decodeJsonPatch(doc: Json): JsonPatchOp[] {
  if (doc === null) return [];
  if (!Array.isArray(doc)) throw new PatchError("a JSON patch must be a list of operations");
  return doc.map((op, i) => {
    const at = `operation ${i + 1}`;
    if (!isObj(op)) throw new PatchError(`${at} is not an object`);
    if (typeof op.op !== "string" || !OPS.has(op.op)) {
      throw new PatchError(`${at} has an unknown "op" ${JSON.stringify(op.op ?? null)}`);
    }
    if (typeof op.path !== "string") throw new PatchError(`${at} (${op.op}) has no "path"`);
    parsePointer(op.path, at);
    if ((op.op === "move" || op.op === "copy")) {
      if (typeof op.from !== "string") throw new PatchError(`${at} (${op.op}) has no "from"`);
      parsePointer(op.from, at);
    }
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !("value" in op)) {
      throw new PatchError(`${at} (${op.op}) has no "value"`);
    }
    return op as unknown as JsonPatchOp;
  });
}

/** "/a/b~1c/~0d" -> ["a", "b/c", "~d"]; "" is the whole document. */
export function parsePointer(pointer: string, at = "pointer"): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) {
    throw new PatchError(`${at}: JSON pointer ${JSON.stringify(pointer)} must start with "/"`);
  }
  return pointer.slice(1).split("/").map((t) => {
    if (/~(?![01])/.test(t)) {
      throw new PatchError(`${at}: bad escape in JSON pointer ${JSON.stringify(pointer)}`);
    }
    return t.replaceAll("~1", "/").replaceAll("~0", "~");
  });
}

function arrayIndex(tok: string, len: number, allowEnd: boolean, pointer: string): number {
  if (allowEnd && tok === "-") return len;
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) {
    throw new PatchError(`${JSON.stringify(tok)} is not an array index in ${JSON.stringify(pointer)}`);
  }
  const i = Number(tok);
  if (i > len || (!allowEnd && i === len)) {
    throw new PatchError(`index ${i} is out of range (${len} elements) in ${JSON.stringify(pointer)}`);
  }
  return i;
}

function get(doc: Json, toks: readonly string[], pointer: string): Json {
  let cur = doc;
  for (const t of toks) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, pointer)]!;
    else if (isObj(cur) && Object.hasOwn(cur, t)) cur = cur[t]!;
    else throw new PatchError(`the document has no value at ${JSON.stringify(pointer)}`);
  }
  return cur;
}

/** Returns a copy of `doc` where the container at `toks[..-1]` was replaced by `edit(container)`. */
function edit(
  doc: Json,
  toks: readonly string[],
  pointer: string,
  fn: (parent: Json, last: string) => Json,
): Json {
  if (toks.length === 0) throw new Error("internal: edit of the root");
  const [head, ...rest] = toks as [string, ...string[]];
  if (rest.length === 0) return fn(doc, head);
  if (Array.isArray(doc)) {
    const i = arrayIndex(head, doc.length, false, pointer);
    const copy = [...doc];
    copy[i] = edit(doc[i]!, rest, pointer, fn);
    return copy;
  }
  if (isObj(doc) && Object.hasOwn(doc, head)) return { ...doc, [head]: edit(doc[head]!, rest, pointer, fn) };
  throw new PatchError(`the document has no value at ${JSON.stringify(pointer)} (missing parent)`);
}

function add(doc: Json, pointer: string, value: Json): Json {
  const toks = parsePointer(pointer);
  if (toks.length === 0) return value;
  return edit(doc, toks, pointer, (parent, last) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, true, pointer);
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    if (isObj(parent)) return { ...parent, [last]: value };
    throw new PatchError(`cannot add to ${JSON.stringify(pointer)}: its parent is not an object or a list`);
  });
}

function remove(doc: Json, pointer: string): Json {
  const toks = parsePointer(pointer);
  if (toks.length === 0) throw new PatchError("cannot remove the whole document");
  return edit(doc, toks, pointer, (parent, last) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, false, pointer);
      return [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (isObj(parent) && Object.hasOwn(parent, last)) {
      const copy = { ...parent };
      delete copy[last];
      return copy;
    }
    throw new PatchError(`cannot remove ${JSON.stringify(pointer)}: no such value`);
  });
}

function replace(doc: Json, pointer: string, value: Json): Json {
  const toks = parsePointer(pointer);
  if (toks.length === 0) return value;
  return edit(doc, toks, pointer, (parent, last) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, false, pointer);
      return parent.map((x, j) => (j === i ? value : x));
    }
    if (isObj(parent) && Object.hasOwn(parent, last)) return { ...parent, [last]: value };
    throw new PatchError(`cannot replace ${JSON.stringify(pointer)}: no such value`);
  });
}

/** Applies RFC 6902 operations in order; any failing operation fails the whole patch. */
export function applyJsonPatch(doc: Json, ops: readonly JsonPatchOp[]): Json {
  let cur = doc;
  ops.forEach((o, n) => {
    const at = `operation ${n + 1} (${o.op} ${JSON.stringify(o.path)})`;
    try {
      switch (o.op) {
        case "add":
          cur = add(cur, o.path, o.value!);
          break;
        case "remove":
          cur = remove(cur, o.path);
          break;
        case "replace":
          cur = replace(cur, o.path, o.value!);
          break;
        case "move": {
          if (o.path !== o.from && o.path.startsWith(o.from! + "/")) {
            throw new PatchError(`cannot move ${JSON.stringify(o.from)} into one of its children`);
          }
          const v = get(cur, parsePointer(o.from!), o.from!);
          cur = add(remove(cur, o.from!), o.path, v);
          break;
        }
        case "copy":
          cur = add(cur, o.path, structuredClone(get(cur, parsePointer(o.from!), o.from!)));
          break;
        case "test":
          if (!deepEqual(get(cur, parsePointer(o.path), o.path), o.value)) {
            throw new PatchError(`test failed: the value differs from ${JSON.stringify(o.value)}`);
          }
          break;
      }
    } catch (e) {
      if (e instanceof PatchError) throw new PatchError(`${at}: ${e.message}`);
      throw e;
    }
  });
  return cur;
}
