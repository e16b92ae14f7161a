/**
 * Collects every configuration problem so `kadm init` can print them all at once, one self-contained
 * line each (kubeadm stops at its first aggregated list). `throwIfAny` ends loading with one UserError.
 */
import { UserError } from "../errors.ts";

export class Problems {
  readonly lines: string[] = [];

  add(line: string): void {
    if (!this.lines.includes(line)) this.lines.push(line);
  }

  get any(): boolean {
    return this.lines.length > 0;
  }

  throwIfAny(): void {
    if (this.lines.length > 0) throw new UserError(this.lines.join("\n"));
  }
}

/** Where a value came from, as the user wrote it: `networking.podSubnet (line 12)` or `--pod-network-cidr`. */
export type Origins = Map<string, string>;

/** `field (line N)` when the line is known. */
export function at(field: string, line: number | undefined): string {
  return line === undefined ? field : `${field} (line ${line})`;
}
