/**
 * A fake PreflightHost for tests: a healthy v1.34-era control-plane host by default (root, 4 CPUs,
 * 8 GB, containerd running, kubelet installed and enabled, cgroup v2), changed per test through options.
 */
import type { HttpResult, HttpsGetOptions, LookupResult, PreflightHost, RunResult } from "./host.ts";

export interface FakeHostOptions {
  readonly uid?: number | null;
  /** Files by absolute path (merged over the defaults; `undefined` removes a default). */
  readonly files?: Readonly<Record<string, string | undefined>>;
  /** Folders and their entries (a folder that is absent here does not exist unless files live in it). */
  readonly dirs?: Readonly<Record<string, readonly string[]>>;
  readonly sockets?: readonly string[];
  /** Executables on PATH (replaces the default list when given). */
  readonly binaries?: readonly string[];
  /** Command results by the full command line, e.g. `kubelet --version`. */
  readonly commands?: Readonly<Record<string, Partial<RunResult>>>;
  readonly busyPorts?: readonly number[];
  /** Host names that resolve, with their addresses. */
  readonly hosts?: Readonly<Record<string, readonly string[]>>;
  /** The error text for names that do not resolve (default `lookup <name>: no such host`). */
  readonly lookupError?: (name: string) => string;
  readonly env?: Readonly<Record<string, string>>;
  /** Answers by URL; an Error is thrown as a transport failure. */
  readonly https?: Readonly<Record<string, HttpResult | Error>>;
}

export const DEFAULT_BINARIES = [
  "crictl",
  "conntrack",
  "losetup",
  "cp",
  "ip",
  "iptables",
  "mount",
  "nsenter",
  "ebtables",
  "ethtool",
  "socat",
  "tc",
  "touch",
  "kubelet",
  "systemctl",
] as const;

const cpuinfo = (n: number) =>
  Array.from({ length: n }, (_, i) => `processor\t: ${i}\nmodel name\t: Fake CPU\n`).join("\n");

export const DEFAULT_FILES: Readonly<Record<string, string>> = {
  "/proc/cpuinfo": cpuinfo(4),
  "/proc/meminfo": "MemTotal:        8000000 kB\nMemFree:         4000000 kB\n",
  "/proc/swaps": "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
  "/proc/sys/net/ipv4/ip_forward": "1\n",
  "/proc/sys/net/bridge/bridge-nf-call-iptables": "1\n",
  "/proc/sys/net/bridge/bridge-nf-call-ip6tables": "1\n",
  "/proc/sys/net/ipv6/conf/default/forwarding": "1\n",
  "/proc/sys/kernel/osrelease": "6.1.0-18-amd64\n",
  "/proc/sys/kernel/ostype": "Linux\n",
  "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n",
};

export function fakeCPUInfo(n: number): string {
  return cpuinfo(n);
}

const DEFAULT_COMMANDS: Readonly<Record<string, Partial<RunResult>>> = {
  "kubelet --version": { stdout: "Kubernetes v1.34.7\n" },
  "systemctl status kubelet": { stdout: "kubelet.service - kubelet\n   Loaded: loaded\n" },
  "systemctl is-enabled kubelet": { stdout: "enabled\n" },
  "systemctl is-active kubelet": { stdout: "active\n" },
  "systemctl status firewalld": { code: 4, stdout: "Unit firewalld.service could not be found.\n" },
  "systemctl status docker": { stdout: "docker.service\n   Loaded: loaded\n" },
  "systemctl is-enabled docker": { stdout: "enabled\n" },
  "systemctl is-active docker": { stdout: "active\n" },
  "docker info -f {{.CgroupDriver}}": { stdout: "systemd\n" },
};

/** A fake host; every question it is asked is recorded in `calls`. */
export function fakePreflightHost(o: FakeHostOptions = {}): PreflightHost & { readonly calls: string[] } {
  const files = new Map<string, string>();
  for (const [k, v] of Object.entries({ ...DEFAULT_FILES, ...o.files })) if (v !== undefined) files.set(k, v);
  const binaries = new Set<string>(o.binaries ?? DEFAULT_BINARIES);
  const sockets = new Set(
    o.sockets ?? ["/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock"],
  );
  const commands = { ...DEFAULT_COMMANDS, ...o.commands };
  const calls: string[] = [];
  const dirEntries = (path: string): string[] | undefined => {
    const given = o.dirs?.[path];
    const prefix = path.endsWith("/") ? path : path + "/";
    const fromFiles = [...files.keys()].filter((f) => f.startsWith(prefix)).map((f) =>
      f.slice(prefix.length).split("/")[0]!
    );
    if (given === undefined && fromFiles.length === 0) return undefined;
    return [...new Set([...(given ?? []), ...fromFiles])];
  };
  return {
    calls,
    uid: () => o.uid === undefined ? 0 : o.uid,
    readFile: (p) => Promise.resolve(files.get(p)),
    listDir: (p) => Promise.resolve(dirEntries(p)),
    exists: (p) => Promise.resolve(files.has(p) || sockets.has(p) || dirEntries(p) !== undefined),
    isSocket: (p) => Promise.resolve(sockets.has(p)),
    run(cmd, args) {
      const line = [cmd, ...args].join(" ");
      calls.push(line);
      if (!binaries.has(cmd)) return Promise.resolve({ code: 127, stdout: "", stderr: "", notFound: true });
      const r = commands[line];
      return Promise.resolve({ code: r?.code ?? 0, stdout: r?.stdout ?? "", stderr: r?.stderr ?? "" });
    },
    lookPath: (cmd) => Promise.resolve(binaries.has(cmd) ? `/usr/bin/${cmd}` : undefined),
    portFree: (port) => Promise.resolve(!(o.busyPorts ?? []).includes(port)),
    lookupHost(name): Promise<LookupResult> {
      const hosts = o.hosts ?? { "master-1": ["10.0.0.10"], "reference-host": ["10.0.0.10"] };
      const addrs = hosts[name];
      const error = o.lookupError?.(name) ?? `lookup ${name}: no such host`;
      return Promise.resolve(addrs ? { addrs } : { addrs: [], error });
    },
    env: (name) => o.env?.[name],
    httpsGet(url: string, _opts: HttpsGetOptions): Promise<HttpResult> {
      calls.push(`GET ${url}`);
      const r = o.https?.[url];
      if (r instanceof Error) return Promise.reject(r);
      if (!r) return Promise.reject(new Error(`dial tcp: connection refused`));
      return Promise.resolve(r);
    },
    sleep: () => Promise.resolve(),
  };
}
