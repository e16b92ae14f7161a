/**
 * All printing goes through a Logger, so tests can capture it and dry-run can prefix it.
 * Library code returns values and throws; only phases and main.ts print.
 */
export interface Logger {
  /** A line to standard output, e.g. `[certs] Generating "ca" certificate and key`. */
  info(line: string): void;
  /** A warning line to standard error, printed as `W: <line>` unless it is already tagged. */
  warn(line: string): void;
}

export function consoleLogger(): Logger {
  const enc = new TextEncoder();
  return {
    info(line) {
      Deno.stdout.writeSync(enc.encode(line + "\n"));
    },
    warn(line) {
      Deno.stderr.writeSync(enc.encode(line + "\n"));
    },
  };
}

/** A logger that keeps every line, for tests. */
export function memoryLogger(): Logger & { readonly lines: string[]; readonly warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    info(line) {
      lines.push(line);
    },
    warn(line) {
      warnings.push(line);
    },
  };
}
