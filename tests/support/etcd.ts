/**
 * Test harness: run a REAL etcd the way the kubelet would run kadm's etcd static Pod.
 *
 * Input: a Pod manifest (etcd.yaml) and a host root (a dry-run tree: <root>/etc/kubernetes/pki/...).
 * The harness takes containers[0].command (+ args), maps every path inside a volumeMount to
 * <root> + hostPath (creating DirectoryOrCreate/FileOrCreate paths as the kubelet does), swaps the
 * `etcd` binary for the local one (Debian's /usr/bin/etcd), starts it with a clean environment and
 * waits on the manifest's own startup probe (httpGet). Ports 2379/2380/2381 are fixed by the
 * manifest, so each etcd runs in its own network namespace (root + iproute2), or else holds a
 * machine-wide lock file for its lifetime. It does not care how the certificates were made.
 *
 * It never starts a manifest that listens on a non-loopback address (except the addresses of a network
 * of namespaces the test made, etcd_cluster.ts), and it never drops a flag the local etcd rejects unless
 * asked to (`flagPolicy`); then every change is listed in `adjustments`.
 */
import { join } from "node:path";
import {
  adaptFlags,
  assertLoopbackOnly,
  type FlagAdjustment,
  flagName,
  type FlagPolicy,
  type KubeletView,
  kubeletView,
  mapArgs,
  type Mount,
} from "./etcd_pod.ts";

export * from "./etcd_pod.ts";

export interface StartEtcdOptions {
  /** The binary that replaces the image's `etcd` (default: `etcd` on PATH, Debian's /usr/bin/etcd). */
  readonly etcdBinary?: string;
  /** How long to wait for the startup probe (default 30 s). */
  readonly startTimeoutMs?: number;
  /** Hard limit after which etcd is killed even if stop() is never called (default 5 min). */
  readonly maxLifetimeMs?: number;
  /** Flags the local etcd rejects: "strict" refuses to start (default), "translate" uses the pre-3.6
   * name of the same setting where there is one and drops the rest, "drop" drops them all. */
  readonly flagPolicy?: FlagPolicy;
  /** "netns" (own network namespace), "lock" (host loopback + lock file) or "auto" (default). */
  readonly isolation?: "auto" | "netns" | "lock";
  /** Run in this existing namespace instead (one member of createEtcdNetwork, etcd_cluster.ts); URL
   * flags may then also name `hosts`, the addresses of that test-made network. Its owner deletes it. */
  readonly netns?: { readonly name: string; readonly hosts: readonly string[] };
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningEtcd extends AsyncDisposable {
  /** The loopback client URL from --listen-client-urls, e.g. https://127.0.0.1:2379. */
  readonly endpoint: string;
  readonly root: string;
  /** `etcd --version` of the binary that runs, e.g. "3.4.23". */
  readonly version: string;
  /** The command line actually started (after path mapping and flag adaptation). */
  readonly argv: readonly string[];
  /** Every flag dropped or replaced because the local etcd rejects it. */
  readonly adjustments: readonly FlagAdjustment[];
  readonly isolation: "netns" | "lock";
  /** Runs a command in etcd's network (inside its namespace when there is one), clean env. */
  exec(cmd: readonly string[], env?: Record<string, string>): Promise<CommandResult>;
  /** stdout+stderr of etcd so far (last MiB). */
  log(): string;
  /** Kills etcd (SIGTERM, then SIGKILL after 10 s), waits for it, releases the namespace or lock. */
  stop(): Promise<void>;
}

/** Asks the binary itself which flags it rejects: `etcd <flags> --version` parses all flags and
 * exits; Go's flag package names the first unknown one, so repeat without it. */
export async function rejectedFlags(binary: string, flags: readonly string[]): Promise<Set<string>> {
  const rejected = new Set<string>();
  for (let i = 0; i <= flags.length; i++) {
    const r = await runCommand([binary, ...flags.filter((f) => !rejected.has(flagName(f))), "--version"]);
    const unknown = /flag provided but not defined: -+([\w.-]+)/.exec(r.stderr)?.[1];
    if (unknown) rejected.add(unknown);
    else if (r.code !== 0) {
      throw new Error(`${binary} refuses the manifest's flags: ${r.stderr.split("\n")[0]}`);
    } else return rejected;
  }
  throw new Error(`${binary} keeps rejecting flags: ${[...rejected].join(", ")}`);
}

/** Runs a command to completion with a timeout (SIGKILL), capturing its output. */
export async function runCommand(
  cmd: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const child = new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    ...(opts.env ? { env: opts.env, clearEnv: true } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => kill(child, "SIGKILL"), opts.timeoutMs ?? 15_000);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch { /* already exited */ }
}

/** Resolves a command name on PATH. */
export async function which(name: string): Promise<string | undefined> {
  if (name.includes("/")) return name;
  for (const dir of (Deno.env.get("PATH") ?? CLEAN_PATH).split(":")) {
    const st = await Deno.stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile && ((st.mode ?? 0) & 0o111) !== 0) return join(dir, name);
  }
  return undefined;
}

export const CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Every namespace the harness makes starts with this and the test process id (for the sweep). */
export const NETNS_PREFIX = "kadm-etcd-";
const LOCK_FILE = "/tmp/kadm-etcd-ports.lock";

/** The network an etcd runs in: its own namespace, or the host loopback under a lock file. */
interface Network {
  readonly kind: "netns" | "lock";
  readonly prefix: readonly string[];
  release(): Promise<void>;
}

async function acquireNetwork(
  mode: "auto" | "netns" | "lock",
  given: StartEtcdOptions["netns"],
): Promise<Network> {
  const ip = await which("ip");
  if (given) {
    if (!ip) throw new Error("No ip(8) on PATH: apt-get install iproute2");
    return { kind: "netns", prefix: [ip, "netns", "exec", given.name], release: () => Promise.resolve() };
  }
  if (mode !== "lock" && Deno.uid() === 0 && ip) {
    await sweepStaleNamespaces(ip);
    const name = `${NETNS_PREFIX}${Deno.pid}-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    const add = await runCommand([ip, "netns", "add", name]);
    const up = add.code === 0 ? await runCommand([ip, "-n", name, "link", "set", "lo", "up"]) : add;
    if (up.code === 0) {
      return { kind: "netns", prefix: [ip, "netns", "exec", name], release: () => del(ip, name) };
    }
    if (add.code === 0) await del(ip, name);
    if (mode === "netns") throw new Error(`Cannot create network namespace ${name}: ${up.stderr.trim()}`);
  } else if (mode === "netns") {
    throw new Error(`Network namespaces need root and iproute2: run as root or use isolation "lock"`);
  }
  const file = await Deno.open(LOCK_FILE, { create: true, write: true, mode: 0o666 });
  await file.lock(true);
  return { kind: "lock", prefix: [], release: () => Promise.resolve(file.close()) };
}

async function del(ip: string, name: string): Promise<void> {
  await runCommand([ip, "netns", "del", name]);
}

/** Removes namespaces left by a test process that died, killing what still runs inside. */
export async function sweepStaleNamespaces(ip: string): Promise<void> {
  for (const line of (await runCommand([ip, "netns", "list"])).stdout.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const owner = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!owner || (await Deno.stat(`/proc/${owner}`).then(() => true, () => false))) continue;
    for (const pid of (await runCommand([ip, "netns", "pids", name])).stdout.split(/\s+/).filter(Boolean)) {
      try {
        Deno.kill(Number(pid), "SIGKILL");
      } catch { /* gone */ }
    }
    await del(ip, name);
  }
}

/** Creates the hostPath volumes the kubelet would create, and checks the ones it would check. */
async function prepareVolumes(mounts: readonly Mount[], root: string): Promise<void> {
  for (const m of mounts) {
    const p = join(root, m.hostPath);
    if (m.type === "DirectoryOrCreate") await Deno.mkdir(p, { recursive: true, mode: 0o755 });
    else if (m.type === "FileOrCreate") {
      (await Deno.open(p, { create: true, write: true, mode: 0o644 })).close();
    } else if (m.type === "Directory" || m.type === "File") {
      const st = await Deno.stat(p).catch(() => undefined);
      if (!st || st.isDirectory !== (m.type === "Directory")) {
        throw new Error(`hostPath type check failed: ${m.hostPath} is not a ${m.type} under ${root}`);
      }
    }
  }
}

/** The kubelet's httpGet probe, made from inside etcd's network with bash's /dev/tcp. */
async function httpProbe(
  exec: RunningEtcd["exec"],
  p: KubeletView["probe"],
): Promise<{ ok: boolean; detail: string }> {
  const script =
    'exec 3<>"/dev/tcp/$1/$2" && printf "GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" "$3" "$1" >&3 && cat <&3';
  const r = await exec(["bash", "-c", script, "probe", p.host, String(p.port), p.path]);
  const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(r.stdout)?.[1] ?? 0);
  const detail = status
    ? r.stdout.split("\r\n\r\n")[1]?.trim() ?? ""
    : r.stderr.trim().split("\n").at(-1) ?? "";
  return {
    ok: status >= 200 && status < 400,
    detail: `GET ${p.path} on ${p.port}: ${status || "no answer"} ${detail}`,
  };
}

async function drain(stream: ReadableStream<Uint8Array>, sink: (s: string) => void): Promise<void> {
  const dec = new TextDecoder();
  for await (const chunk of stream) sink(dec.decode(chunk, { stream: true }));
}

const tail = (log: string) => log.split("\n").slice(-40).join("\n");
const hint = (log: string) =>
  log.includes("address already in use")
    ? ": a port is taken; stop the other etcd, or run as root so each etcd gets its own network namespace"
    : "";

/** Starts etcd from a static Pod manifest under a host root; resolves once its startup probe passes. */
export async function startEtcdFromManifest(
  manifestPath: string,
  root: string,
  opts: StartEtcdOptions = {},
): Promise<RunningEtcd> {
  const view = kubeletView(await Deno.readTextFile(manifestPath), manifestPath);
  assertLoopbackOnly(view.argv, manifestPath, opts.netns?.hosts);
  const binary = await which(opts.etcdBinary ?? "etcd");
  if (!binary) throw new Error("No etcd binary on PATH: apt-get install etcd-server etcd-client");
  const version = /etcd Version:\s*(\S+)/.exec((await runCommand([binary, "--version"])).stdout)?.[1] ??
    "unknown";
  const mapped = mapArgs(view.argv, view.mounts, root).slice(1);
  const policy = opts.flagPolicy ?? "strict";
  const { argv: flags, adjustments } = adaptFlags(
    mapped,
    await rejectedFlags(binary, mapped),
    policy,
    version,
  );
  const still = await rejectedFlags(binary, flags);
  if (still.size > 0) {
    throw new Error(`etcd ${version} also rejects the replacement flags ${[...still].join(", ")}`);
  }
  const endpoint = flags.find((f) => f.startsWith("--listen-client-urls="))?.split("=")[1]?.split(",")
    .find((u) => u.startsWith("https://127.0.0.1:"));
  if (!endpoint) throw new Error(`Invalid etcd manifest ${manifestPath}: no https://127.0.0.1 client URL`);
  await prepareVolumes(view.mounts, root);

  const net = await acquireNetwork(opts.isolation ?? "auto", opts.netns);
  const exec = (cmd: readonly string[], env: Record<string, string> = {}) =>
    runCommand([...net.prefix, ...cmd], { env: { PATH: CLEAN_PATH, ...env } });
  const full = [...net.prefix, binary, ...flags];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(full[0]!, {
      args: full.slice(1),
      clearEnv: true, // the kubelet gives the container only the Pod's env: no stray ETCD_* variables
      env: { PATH: CLEAN_PATH },
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    await net.release();
    throw e;
  }
  let text = "";
  const sink = (s: string) => void (text = (text + s).slice(-(1 << 20)));
  const drains = [drain(child.stdout, sink), drain(child.stderr, sink)];
  let exited: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => (exited = s));
  const lifetimeMs = opts.maxLifetimeMs ?? 300_000;
  const lifetime = setTimeout(() => {
    sink(`\n[harness] killed after ${lifetimeMs} ms without stop()\n`);
    kill(child, "SIGKILL");
  }, lifetimeMs);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      clearTimeout(lifetime);
      if (!exited) kill(child, "SIGTERM");
      const grace = setTimeout(() => kill(child, "SIGKILL"), 10_000);
      await status;
      clearTimeout(grace);
      await Promise.all(drains);
      await net.release();
    })();
  const handle: RunningEtcd = {
    endpoint,
    root,
    version,
    argv: [binary, ...flags],
    adjustments,
    isolation: net.kind,
    exec,
    log: () => text,
    stop,
    [Symbol.asyncDispose]: stop,
  };

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  // etcd 3.4 has no /livez or /readyz (added in 3.5.x, probed by kubeadm from v1.31): under the
  // "translate" policy the probe falls back to /health, listed like a translated flag.
  let probe = view.probe;
  if (policy === "translate" && /^\/(livez|readyz)/.test(probe.path) && /^3\.[0-4]\./.test(version)) {
    adjustments.push({ flag: `startupProbe ${probe.path}`, action: "replaced", replacement: "/health" });
    probe = { ...probe, path: "/health" };
  }
  try {
    for (;;) {
      const r = exited ? undefined : await httpProbe(exec, probe);
      if (r?.ok) return handle;
      if (exited || Date.now() > deadline) {
        const why = exited
          ? `etcd exited with code ${exited.code} before it became healthy${hint(text)}`
          : `etcd did not pass its startup probe within ${timeoutMs} ms (${r?.detail})`;
        await stop();
        throw new Error(`${why}\n--- etcd log (tail) ---\n${tail(text)}`);
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  } catch (e) {
    await stop(); // never leave a process, namespace or lock behind
    throw e;
  }
}

/** What etcdctl reported: `endpoint health` output and the value read back after a put. */
export interface EtcdctlReport {
  readonly health: string;
  readonly value: string;
}

/** `etcdctl endpoint health` with the healthcheck-client certificate, then a put/get round trip.
 * Throws with etcdctl's output and etcd's log tail when anything fails. */
export async function etcdctlHealthy(
  etcd: RunningEtcd,
  opts: { pkiDir?: string; cert?: string; key?: string } = {},
): Promise<EtcdctlReport> {
  const pki = opts.pkiDir ?? join(etcd.root, "etc/kubernetes/pki/etcd");
  const base = [
    "etcdctl",
    `--endpoints=${etcd.endpoint}`,
    `--cacert=${join(pki, "ca.crt")}`,
    `--cert=${opts.cert ?? join(pki, "healthcheck-client.crt")}`,
    `--key=${opts.key ?? join(pki, "healthcheck-client.key")}`,
    "--command-timeout=5s",
  ];
  const run = async (...args: string[]) => {
    const r = await etcd.exec([...base, ...args], { ETCDCTL_API: "3" });
    if (r.code !== 0) {
      throw new Error(
        `etcdctl ${args.join(" ")} failed (exit ${r.code}): ${
          (r.stderr || r.stdout).trim()
        }\n--- etcd log (tail) ---\n${tail(etcd.log())}`,
      );
    }
    return r;
  };
  const h = await run("endpoint", "health");
  const health = (h.stdout + h.stderr).trim();
  if (!health.includes("is healthy")) throw new Error(`etcdctl endpoint health: ${health}`);
  const key = `/kadm-test/${crypto.randomUUID()}`;
  const want = `written by kadm tests at ${new Date().toISOString()}`;
  await run("put", key, want);
  const value = (await run("get", key, "--print-value-only")).stdout.trim();
  if (value !== want) {
    throw new Error(`etcdctl get ${key} returned ${JSON.stringify(value)}, want ${JSON.stringify(want)}`);
  }
  return { health, value };
}

/** A temp dir removed on dispose: `await using root = await tempRoot();`. */
export async function tempRoot(prefix = "kadm-etcd-"): Promise<{ readonly path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}) };
}
