/**
 * kubeadm's generic checks (cmd/kubeadm/app/preflight/checks.go), each a function returning a Check.
 * Names and messages are kubeadm's; which checks run for a minor, in which order and with which
 * severity is decided by the table in ./list.ts.
 */
import type { PreflightHost } from "./host.ts";
import { type Check, type Finding, finding, ok, type Severity } from "./types.ts";

/** kubeadm's path-based names: "/etc/kubernetes/x.yaml" -> "-etc-kubernetes-x.yaml". */
export function dashed(path: string): string {
  return path.replaceAll("/", "-");
}

const one = (f: Finding | undefined): readonly Finding[] => f ? [f] : ok;

export function portCheck(port: number): Check {
  return {
    name: `Port-${port}`,
    severity: "error",
    run: async (h) => one((await h.portFree(port)) ? undefined : finding(`Port ${port} is in use`)),
  };
}

export function fileAvailable(path: string): Check {
  return {
    name: `FileAvailable-${dashed(path)}`,
    severity: "error",
    run: async (h) => one((await h.exists(path)) ? finding(`${path} already exists`) : undefined),
  };
}

export function dirAvailable(path: string): Check {
  return {
    name: `DirAvailable-${dashed(path)}`,
    severity: "error",
    async run(h) {
      if (!(await h.exists(path))) return ok;
      const entries = await h.listDir(path).catch((e) => e as Error);
      if (entries instanceof Error) {
        return [finding(`unable to check if ${path} is empty: ${entries.message}`)];
      }
      return one(entries !== undefined && entries.length > 0 ? finding(`${path} is not empty`) : undefined);
    },
  };
}

export function fileExisting(path: string, label: string): Check {
  return {
    name: label,
    severity: "error",
    run: async (h) => one((await h.exists(path)) ? undefined : finding(`${path} doesn't exist`)),
  };
}

export function fileContent(path: string, content: string): Check {
  return {
    name: `FileContent-${dashed(path)}`,
    severity: "error",
    async run(h) {
      const text = await h.readFile(path);
      if (text === undefined) return [finding(`${path} does not exist`)];
      if (text.slice(0, content.length) !== content) {
        return [finding(`${path} contents are not set to ${content}`)];
      }
      return ok;
    },
  };
}

export function inPath(executable: string, severity: Severity): Check {
  return {
    name: `FileExisting-${dashed(executable)}`,
    severity,
    run: async (h) =>
      one((await h.lookPath(executable)) ? undefined : finding(`${executable} not found in system path`)),
  };
}

export function numCPU(required: number): Check {
  return {
    name: "NumCPU",
    severity: "error",
    async run(h) {
      const info = await h.readFile("/proc/cpuinfo") ?? "";
      const n = info.split("\n").filter((l) => /^processor\s*:/.test(l)).length;
      if (n === 0 || n >= required) return ok;
      return [finding(`the number of available CPUs ${n} is less than the required ${required}`)];
    },
  };
}

export function memCheck(requiredMB: number): Check {
  return {
    name: "Mem",
    severity: "error",
    async run(h) {
      const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(await h.readFile("/proc/meminfo") ?? "");
      if (!m) return [finding("failed to get system info: /proc/meminfo has no MemTotal")];
      const actual = Math.floor(Number(m[1]) / 1024);
      return one(
        actual < requiredMB
          ? finding(`the system RAM (${actual} MB) is less than the minimum ${requiredMB} MB`)
          : undefined,
      );
    },
  };
}

/** kubeadm's initsystem package: systemd when systemctl is on PATH, else OpenRC, else none. */
export interface InitSystem {
  exists(service: string): Promise<boolean>;
  enabled(service: string): Promise<boolean>;
  active(service: string): Promise<boolean>;
  enableCommand(service: string): string;
}

export async function initSystem(h: PreflightHost): Promise<InitSystem | undefined> {
  if (await h.lookPath("systemctl")) {
    const out = async (...args: string[]) => (await h.run("systemctl", args)).stdout;
    return {
      exists: async (s) => !(await out("status", s)).includes("Loaded: not-found"),
      enabled: async (s) => (await h.run("systemctl", ["is-enabled", s])).code === 0,
      active: async (s) => ["active", "activating"].includes((await out("is-active", s)).trim()),
      enableCommand: (s) => `systemctl enable ${s}.service`,
    };
  }
  if (await h.lookPath("openrc")) {
    const status = async (s: string) => (await h.run("rc-service", [s, "status"])).stdout;
    return {
      exists: async (s) => !(await status(s)).includes("does not exist"),
      enabled: async (s) => (await h.run("rc-update", ["show", "default"])).stdout.includes(s),
      active: async (s) => !/stopped|does not exist/.test(await status(s)),
      enableCommand: (s) => `rc-update add ${s} default`,
    };
  }
  return undefined;
}

export const NO_INIT_SYSTEM = "no supported init system detected, skipping checking for services";

/** ServiceCheck: a missing or disabled service warns; `checkIfActive` makes an inactive one an error. */
export function serviceCheck(service: string, checkIfActive: boolean): Check {
  return {
    name: `Service-${service.charAt(0).toUpperCase()}${service.slice(1)}`,
    severity: "warning",
    async run(h) {
      const init = await initSystem(h);
      if (!init) return [finding(NO_INIT_SYSTEM)];
      if (!(await init.exists(service))) return [finding(`${service} service does not exist`)];
      const out: Finding[] = [];
      if (!(await init.enabled(service))) {
        out.push(finding(`${service} service is not enabled, please run '${init.enableCommand(service)}'`));
      }
      if (checkIfActive && !(await init.active(service))) {
        out.push(
          finding(
            `${service} service is not active, please run 'systemctl start ${service}.service'`,
            "error",
          ),
        );
      }
      return out;
    },
  };
}

export function firewalldCheck(ports: readonly number[]): Check {
  return {
    name: "Firewalld",
    severity: "warning",
    async run(h) {
      const init = await initSystem(h);
      if (!init) return [finding(NO_INIT_SYSTEM)];
      if (!(await init.exists("firewalld")) || !(await init.active("firewalld"))) return ok;
      return [
        finding(
          `firewalld is active, please ensure ports [${
            ports.join(" ")
          }] are open or your cluster may not function correctly`,
        ),
      ];
    },
  };
}

/**
 * apimachinery's IsQualifiedName for a name without a prefix (node names have none): at most 63
 * characters, alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric.
 */
export function qualifiedNameProblems(name: string): string[] {
  const re = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
  const out: string[] = [];
  if (name.includes("/")) {
    const [prefix, rest] = [name.slice(0, name.lastIndexOf("/")), name.slice(name.lastIndexOf("/") + 1)];
    if (prefix === "") out.push("prefix part must be non-empty");
    return [...out, ...qualifiedNameProblems(rest)];
  }
  if (name.length === 0) return ["name part must be non-empty"];
  if (name.length > 63) out.push("name part must be no more than 63 characters");
  if (!re.test(name)) {
    out.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return out;
}

export function hostnameCheck(nodeName: string): Check {
  return {
    name: "Hostname",
    severity: "warning",
    async run(h) {
      const out = qualifiedNameProblems(nodeName).map((m) =>
        finding(`invalid node name format "${nodeName}": ${m}`)
      );
      const r = await h.lookupHost(nodeName);
      if (r.addrs.length === 0) out.push(finding(`hostname "${nodeName}" could not be reached`));
      if (r.error) out.push(finding(`hostname "${nodeName}": ${r.error}`));
      return out;
    },
  };
}
