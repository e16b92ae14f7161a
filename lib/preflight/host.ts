/**
 * The one door preflight checks use to look at the host: files under a root folder, folder listings,
 * commands, TCP ports, host names, PATH, the user id, the environment and one HTTPS GET (external etcd).
 * `realPreflightHost` reads the machine through Deno; tests use `fakePreflightHost` (./fake.ts).
 */
import { join } from "node:path";
import { lookup } from "node:dns/promises";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command is not on PATH (Go: exec.ErrNotFound). */
  readonly notFound?: boolean;
}

export interface HttpsGetOptions {
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly timeoutMs: number;
}

export interface HttpResult {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

export interface LookupResult {
  readonly addrs: readonly string[];
  /** Go's net.LookupHost error text, e.g. `lookup master-1: no such host`. */
  readonly error?: string;
}

export interface PreflightHost {
  /** Effective user id; null where the platform has none. */
  uid(): number | null;
  /** A text file's content, or undefined when it does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** A folder's entry names, or undefined when the folder does not exist. */
  listDir(path: string): Promise<readonly string[] | undefined>;
  exists(path: string): Promise<boolean>;
  /** Whether the path is a unix socket (CRI detection). */
  isSocket(path: string): Promise<boolean>;
  run(cmd: string, args: readonly string[]): Promise<RunResult>;
  /** The full path of an executable found on PATH, or undefined. */
  lookPath(cmd: string): Promise<string | undefined>;
  /** Whether a TCP port can be bound on all addresses (Go: net.Listen("tcp", ":port")). */
  portFree(port: number): Promise<boolean>;
  lookupHost(name: string): Promise<LookupResult>;
  env(name: string): string | undefined;
  /** GET over HTTPS with optional CA and client certificate; rejects with the transport error. */
  httpsGet(url: string, opts: HttpsGetOptions): Promise<HttpResult>;
  /** Waits between retries (the fake returns at once). */
  sleep(ms: number): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 30_000;

/** The machine itself; `root` prefixes every file path (tests of the real host use a temp folder). */
export function realPreflightHost(root = ""): PreflightHost {
  const at = (p: string) => root === "" ? p : join(root, p);
  const lookPath = async (cmd: string): Promise<string | undefined> => {
    if (cmd.includes("/")) return (await isFile(cmd)) ? cmd : undefined;
    const path = Deno.env.get("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const dir of path.split(":")) {
      if (dir && await isFile(join(dir, cmd))) return join(dir, cmd);
    }
    return undefined;
  };
  return {
    uid: () => Deno.uid(),
    async readFile(path) {
      try {
        return await Deno.readTextFile(at(path));
      } catch {
        return undefined;
      }
    },
    async listDir(path) {
      try {
        const out: string[] = [];
        for await (const e of Deno.readDir(at(path))) out.push(e.name);
        return out;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    },
    async exists(path) {
      try {
        await Deno.stat(at(path));
        return true;
      } catch {
        return false;
      }
    },
    async isSocket(path) {
      try {
        return (await Deno.stat(at(path))).isSocket === true;
      } catch {
        return false;
      }
    },
    async run(cmd, args) {
      if (!(await lookPath(cmd))) {
        return { code: 127, stdout: "", stderr: "", notFound: true };
      }
      try {
        const out = await new Deno.Command(cmd, {
          args: [...args],
          stdin: "null",
          signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
        }).output();
        const dec = new TextDecoder();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      } catch (e) {
        // Killed by the timeout, or not executable: a failed command to the check, not a crash.
        return { code: -1, stdout: "", stderr: e instanceof Error ? e.message : String(e) };
      }
    },
    lookPath,
    portFree,
    async lookupHost(name) {
      try {
        const all = await lookup(name, { all: true });
        return { addrs: all.map((a) => a.address) };
      } catch (e) {
        const code = (e as { code?: string }).code;
        const why = code === "ENOTFOUND" || code === "EAI_NONAME" ? "no such host" : code ?? String(e);
        return { addrs: [], error: `lookup ${name}: ${why}` };
      }
    },
    env: (name) => Deno.env.get(name),
    async httpsGet(url, opts) {
      const tls = opts.certPem && opts.keyPem ? { cert: opts.certPem, key: opts.keyPem } : {};
      const client = Deno.createHttpClient({ ...(opts.caPem ? { caCerts: [opts.caPem] } : {}), ...tls });
      try {
        const r = await fetch(url, { client, signal: AbortSignal.timeout(opts.timeoutMs) });
        return { status: r.status, statusText: r.statusText, body: await r.text() };
      } finally {
        client.close();
      }
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Binds the port on the IPv6 wildcard (dual-stack on Linux), or on 0.0.0.0 where IPv6 is off. */
function portFree(port: number): Promise<boolean> {
  for (const hostname of ["::", "0.0.0.0"]) {
    try {
      const l = Deno.listen({ port, hostname, transport: "tcp" });
      l.close();
      return Promise.resolve(true);
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.PermissionDenied) {
        return Promise.resolve(false);
      }
      // IPv6 not available: try IPv4.
    }
  }
  return Promise.resolve(false);
}
