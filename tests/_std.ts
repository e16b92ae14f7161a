/** Minimal assertions (JSR's @std/assert is unreachable here): thin wrappers over node:assert. */
import nodeAssert from "node:assert/strict";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}
export function assertMatch(actual: string, re: RegExp, msg?: string): void {
  nodeAssert.match(actual, re, msg);
}
export function assertNotMatch(actual: string, re: RegExp, msg?: string): void {
  nodeAssert.doesNotMatch(actual, re, msg);
}
export async function assertRejects(fn: () => Promise<unknown>, re?: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    if (re) nodeAssert.match(String(e instanceof Error ? e.message : e), re);
    return e as Error;
  }
  throw new Error("expected a rejection");
}
export function assertThrows(fn: () => unknown, re?: RegExp): Error {
  try {
    fn();
  } catch (e) {
    if (re) nodeAssert.match(String(e instanceof Error ? e.message : e), re);
    return e as Error;
  }
  throw new Error("expected a throw");
}
