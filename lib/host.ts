/**
 * The only code that touches the host: files (atomically, with kubeadm's modes), commands,
 * and host facts. Renderers never import this; phases reach it through the context.
 */
import { dirname, join } from "node:path";

/** Writes `data` to `path` atomically: a dot-named temp file in the same folder (the kubelet
 * ignores dot files in the manifests folder), fsync, rename over the target, fsync the folder.
 * Creates missing parent folders with `dirMode`. Temp files of the same target that a killed run left
 * are removed too, so a re-run leaves no stray temp file. Independent steps overlap (the stale-temp
 * scan and the folder's open run while the temp file is written); the durable order is unchanged:
 * the temp file's bytes and mode are fsynced before the rename, the folder is fsynced after it, and
 * the call returns only then. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: { mode: number; dirMode?: number },
): Promise<void> {
  await (await stage(path, data, opts)).commit();
}

/**
 * writeFileAtomic for several files, renamed into place in the order given: every temp file is
 * written and fsynced at once, then each is renamed over its target and its folder fsynced before the
 * next. Each file is whole or absent (or the old one) at any moment, and all are durable when the call
 * returns. A file never appears before the ones listed ahead of it (a key before its certificate), after
 * a kill or a power loss: the renames done are a prefix of the list.
 */
export async function writeFilesAtomic(
  files: readonly { readonly path: string; readonly data: Uint8Array | string; readonly mode: number }[],
  dirMode?: number,
): Promise<void> {
  const staged = await Promise.allSettled(
    files.map((f) => stage(f.path, f.data, { mode: f.mode, ...(dirMode === undefined ? {} : { dirMode }) })),
  );
  const failed = staged.find((r) => r.status === "rejected");
  const ready = staged.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  if (failed) {
    await Promise.all(ready.map((s) => s.abort()));
    throw failed.reason;
  }
  // Renamed in order, each made durable (its folder fsynced) before the next: the key is on disk before its
  // certificate even after a power loss, whatever order the file system would commit renames in.
  for (let i = 0; i < ready.length; i++) {
    try {
      await ready[i]!.rename();
    } catch (e) {
      await Promise.all(ready.slice(i + 1).map((s) => s.abort()));
      throw e;
    }
    await ready[i]!.syncFolder();
  }
}

/** A temp file written and fsynced, not yet renamed over its target. */
interface Staged {
  readonly dir: string;
  /** Renames it over the target (after removing stale temps of the target). Aborts on failure. */
  rename(): Promise<void>;
  /** Fsyncs the folder (after rename) and closes it. */
  syncFolder(): Promise<void>;
  /** Removes it (the target is left as it was). */
  abort(): Promise<void>;
}

async function stage(
  path: string,
  data: Uint8Array | string,
  opts: { mode: number; dirMode?: number },
): Promise<Staged & { commit(): Promise<void> }> {
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  const rand = crypto.getRandomValues(new Uint32Array(2));
  const name = `.${base}.kadm-${rand[0]!.toString(36)}${rand[1]!.toString(36)}.tmp`;
  const tmp = join(dir, name);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const f = await createTemp(
    tmp,
    opts.mode,
    () => Deno.mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o755 }),
  );
  // Both start now and are awaited later; neither may reject unobserved meanwhile.
  const folder = openFolder(dir);
  const stale = removeStaleTemps(dir, base, name);
  stale.catch(() => {});
  const closeFolder = async () => (await folder).close();
  const abort = async () => {
    await Deno.remove(tmp).catch(() => {});
    await closeFolder();
    await stale.catch(() => {});
  };
  try {
    try {
      // The umask may have narrowed the mode; kubeadm's modes are exact.
      await Promise.all([writeAll(f, bytes), Deno.chmod(tmp, opts.mode)]);
      await f.sync();
    } finally {
      f.close();
    }
  } catch (e) {
    await abort();
    throw e;
  }
  const rename = async () => {
    try {
      await stale;
      await Deno.rename(tmp, path);
    } catch (e) {
      await abort();
      throw e;
    }
  };
  const syncFolder = async () => (await folder).syncAndClose();
  return {
    dir,
    rename,
    syncFolder,
    abort,
    async commit() {
      await rename();
      await syncFolder();
    },
  };
}

/** Creates the new temp file; `mkdir` runs only when its folder is missing (then it is tried again). */
async function createTemp(tmp: string, mode: number, mkdir: () => Promise<void>): Promise<Deno.FsFile> {
  const open = () => Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    return await open();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    await mkdir();
    return await open();
  }
}

async function writeAll(f: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await f.write(bytes.subarray(off));
}

/** Temp files of `base` that a killed earlier run left behind (`.<base>.kadm-<random>.tmp`), not `own`. */
async function removeStaleTemps(dir: string, base: string, own: string): Promise<void> {
  const prefix = `.${base}.kadm-`;
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name !== own && e.name.startsWith(prefix) && e.name.endsWith(".tmp")) {
      await Deno.remove(join(dir, e.name)).catch(() => {});
    }
  }
}

/** A folder opened for its fsync (nothing to do when it could not be opened); closes once. */
async function openFolder(dir: string): Promise<{ syncAndClose(): Promise<void>; close(): void }> {
  let d = await Deno.open(dir, { read: true }).catch(() => undefined);
  const close = () => {
    d?.close();
    d = undefined;
  };
  return {
    close,
    async syncAndClose() {
      try {
        await d?.sync();
      } catch {
        // Some file systems refuse fsync on a folder; the rename is still atomic.
      } finally {
        close();
      }
    },
  };
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
