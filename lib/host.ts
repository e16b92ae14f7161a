/**
 * The only code that touches the host: files (atomically, with kubeadm's modes), commands,
 * and host facts. Renderers never import this; phases reach it through the context.
 */
import { dirname, join } from "node:path";

/** Writes `data` to `path` atomically: a dot-named temp file in the same folder (the kubelet
 * ignores dot files in the manifests folder), fsync, rename over the target, fsync the folder.
 * Creates missing parent folders with `dirMode`. Temp files of the same target that a killed run left
 * are removed first, so a re-run leaves no stray temp file. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: { mode: number; dirMode?: number },
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o755 });
  const base = path.slice(dir.length + 1);
  await removeStaleTemps(dir, base);
  const rand = crypto.getRandomValues(new Uint32Array(2));
  const tmp = join(dir, `.${base}.kadm-${rand[0]!.toString(36)}${rand[1]!.toString(36)}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true, mode: opts.mode });
    try {
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      // The umask may have narrowed the mode; kubeadm's modes are exact.
      await Deno.chmod(tmp, opts.mode);
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

/** Temp files of `base` that a killed earlier run left behind (`.<base>.kadm-<random>.tmp`). */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.kadm-`;
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.startsWith(prefix) && e.name.endsWith(".tmp")) {
      await Deno.remove(join(dir, e.name)).catch(() => {});
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  }
}

/** Reads a file, or undefined when it does not exist. Other errors propagate. */
export async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  const b = await readIfExists(path);
  return b === undefined ? undefined : new TextDecoder().decode(b);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs host commands. Dry-run swaps it for one that only says what it would run. */
export interface CommandRunner {
  run(cmd: string, args: readonly string[]): Promise<CommandResult>;
  /** Whether a command is on PATH. */
  has(cmd: string): Promise<boolean>;
}

export const realRunner: CommandRunner = {
  async run(cmd, args) {
    try {
      const out = await new Deno.Command(cmd, { args: [...args], stdin: "null" }).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return { code: 127, stdout: "", stderr: `${cmd}: executable file not found in $PATH` };
      }
      throw e;
    }
  },
  async has(cmd) {
    const path = Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin";
    for (const dir of path.split(":")) {
      if (dir && await exists(join(dir, cmd))) return true;
    }
    return false;
  },
};

/** The host's name as kubeadm reads it (os.Hostname, lower-cased by kubeadm's GetHostname). */
export function hostname(): string {
  return Deno.hostname().trim().toLowerCase();
}

export type WriteOutcome = "created" | "updated" | "unchanged";

/** What a conditional write did, with the previous content when it replaced a file. */
export interface WriteResult {
  readonly outcome: WriteOutcome;
  /** The bytes that were on disk before an "updated" write. */
  readonly previous?: Uint8Array;
}

/** Writes atomically only when the content differs from what is on disk (idempotent re-runs). */
export async function writeIfChanged(
  path: string,
  data: string | Uint8Array,
  opts: { mode: number; dirMode?: number },
): Promise<WriteOutcome> {
  return (await replaceIfChanged(path, data, opts)).outcome;
}

/** writeIfChanged that also returns what it replaced (re-runs print the difference). */
export async function replaceIfChanged(
  path: string,
  data: string | Uint8Array,
  opts: { mode: number; dirMode?: number },
): Promise<WriteResult> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const old = await readIfExists(path);
  if (old !== undefined && old.length === bytes.length && old.every((b, i) => b === bytes[i])) {
    const st = await Deno.stat(path);
    if (st.mode !== null && (st.mode & 0o777) !== opts.mode) await Deno.chmod(path, opts.mode);
    return { outcome: "unchanged" };
  }
  await writeFileAtomic(path, bytes, opts);
  return old === undefined ? { outcome: "created" } : { outcome: "updated", previous: old };
}
