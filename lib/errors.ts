/**
 * Expected failures. A `UserError` is printed by main.ts as one line, without a stack trace,
 * and ends the process with its exit code. Anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UserError";
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Wraps a failure in a phase as kubeadm does: `error execution phase certs/apiserver: <cause>`. */
export class PhaseError extends UserError {
  readonly phase: string;
  constructor(phase: string, cause: unknown) {
    super(`error execution phase ${phase}: ${messageOf(cause)}`, {
      cause,
      exitCode: cause instanceof UserError ? cause.exitCode : 1,
    });
    this.name = "PhaseError";
    this.phase = phase;
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
