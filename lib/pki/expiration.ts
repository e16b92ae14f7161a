/**
 * The `certs check-expiration` tables exactly as kubeadm v1.34 prints them (cmd/kubeadm/app/cmd/certs.go
 * certTextPrinter): Go's text/tabwriter with minwidth 10, padding 3 and ' ' as pad character; dates as
 * `Jan 02, 2006 15:04 UTC`; the residual time as apimachinery's ShortHumanDuration of the whole seconds left;
 * `!MISSING! <name>` rows for files that do not exist. Pure: the caller reads the files and prints the text.
 */

/** One row of either table; `notAfter` undefined means the file is missing. */
export interface ExpirationRow {
  readonly name: string;
  readonly notAfter?: Date;
  /** Certificates table only: the signing CA's name ("ca", "etcd-ca", "front-proxy-ca"). */
  readonly caName?: string;
  readonly externallyManaged: boolean;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** Go's `t.UTC().Format("Jan 02, 2006 15:04 MST")`. */
export function formatExpires(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())}, ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

/**
 * apimachinery's duration.ShortHumanDuration of `ms`, after kubeadm truncated it to whole seconds
 * (ResidualTimeSeconds): `<invalid>` below -1s, then s, m, h, d (under 365 days) and y.
 */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(seconds / 3600 / 24 / 365)}y`;
}

/**
 * Go's text/tabwriter (flags 0, pad character ' '): cells end with a tab, the text after a line's last tab
 * is not part of a column; a column block is a run of consecutive lines that have a cell in that column,
 * padded to max(minwidth, widest cell + padding).
 */
export function tabwrite(text: string, minwidth: number, padding: number): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  let out = "";
  const width = (s: string) => [...s].length;
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      cells.forEach((c, j) => {
        out += c;
        if (j < widths.length) out += " ".repeat(widths[j]! - width(c));
      });
      if (i + 1 < lines.length) out += "\n";
    }
  };
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let at = line0; at < line1; at++) {
      if (column >= lines[at]!.length - 1) continue;
      writeLines(line0, at);
      line0 = at;
      let w = minwidth;
      for (; at < line1; at++) {
        const cells = lines[at]!;
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column]!) + padding);
      }
      widths.push(w);
      format(line0, at);
      widths.pop();
      line0 = at;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out;
}

const yesNo = (b: boolean) => (b ? "yes" : "no").padEnd(8);

/** Both tables, certificates (sorted by name, as kubeadm's renewal manager lists them) then CAs. */
export function renderExpiration(
  certs: readonly ExpirationRow[],
  cas: readonly ExpirationRow[],
  now: Date,
): string {
  const left = (d: Date) => shortHumanDuration(d.getTime() - now.getTime());
  const lines = ["CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED"];
  for (const r of certs) {
    lines.push(
      r.notAfter
        ? `${r.name}\t${formatExpires(r.notAfter)}\t${left(r.notAfter)}\t${r.caName ?? ""}\t${
          yesNo(r.externallyManaged)
        }`
        : `!MISSING! ${r.name}\t\t\t\t`,
    );
  }
  lines.push("", "CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED");
  for (const r of cas) {
    lines.push(
      r.notAfter
        ? `${r.name}\t${formatExpires(r.notAfter)}\t${left(r.notAfter)}\t${yesNo(r.externallyManaged)}`
        : `!MISSING! ${r.name}\t\t\t`,
    );
  }
  return tabwrite(lines.join("\n") + "\n", 10, 3);
}
