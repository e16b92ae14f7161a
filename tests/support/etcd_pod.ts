/**
 * The pure half of the etcd harness (tests/support/etcd.ts): read an etcd static Pod as the kubelet
 * would, map container paths to host paths through hostPath volumes, refuse non-loopback URLs, and
 * adapt flags that an older local etcd rejects (never silently: every change is an adjustment).
 */
import { parse } from "yaml";
import { join } from "node:path";

export type FlagPolicy = "strict" | "translate" | "drop";

export interface FlagAdjustment {
  readonly flag: string;
  readonly action: "dropped" | "replaced";
  readonly replacement?: string;
}

export interface Mount {
  readonly mountPath: string;
  readonly hostPath: string;
  readonly type: string;
}

/** What the kubelet takes from the Pod: the first container's argv, its hostPath mounts, its probe. */
export interface KubeletView {
  readonly argv: readonly string[];
  readonly mounts: readonly Mount[];
  readonly probe: { readonly host: string; readonly port: number; readonly path: string };
}

// deno-lint-ignore no-explicit-any
type Loose = any;

/** Reads the parts of an etcd Pod manifest that the kubelet uses to start the container. */
export function kubeletView(manifestText: string, file = "etcd.yaml"): KubeletView {
  const pod: Loose = parse(manifestText);
  const c: Loose = pod?.spec?.containers?.[0];
  if (!Array.isArray(c?.command) || c.command.length === 0) {
    throw new Error(`Invalid etcd manifest ${file}: spec.containers[0].command is missing`);
  }
  const argv = [...c.command, ...(Array.isArray(c.args) ? c.args : [])].map(String);
  const volumes = new Map<string, Loose>((pod.spec.volumes ?? []).map((v: Loose) => [String(v.name), v]));
  const mounts = (c.volumeMounts ?? []).map((m: Loose): Mount => {
    const v = volumes.get(String(m.name));
    if (!v?.hostPath?.path) {
      throw new Error(`Invalid etcd manifest ${file}: volumeMount "${m.name}" has no hostPath volume`);
    }
    return {
      mountPath: String(m.mountPath).replace(/\/+$/, ""),
      hostPath: String(v.hostPath.path).replace(/\/+$/, "") + (m.subPath ? `/${m.subPath}` : ""),
      type: String(v.hostPath.type ?? ""),
    };
  });
  const get: Loose = (c.startupProbe ?? c.livenessProbe)?.httpGet;
  if (!get || (get.scheme ?? "HTTP") !== "HTTP") {
    throw new Error(`Invalid etcd manifest ${file}: no HTTP startupProbe or livenessProbe to wait on`);
  }
  return {
    argv,
    mounts,
    probe: { host: String(get.host ?? "127.0.0.1"), port: Number(get.port), path: String(get.path ?? "/") },
  };
}

/** Maps a container path to its host path under `root`, as the kubelet's bind mounts would. */
export function hostPathOf(path: string, mounts: readonly Mount[], root: string): string | undefined {
  const inside = mounts.filter((m) => path === m.mountPath || path.startsWith(m.mountPath + "/"));
  const best = inside.sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return best ? join(root, best.hostPath + path.slice(best.mountPath.length)) : undefined;
}

/** Rewrites every absolute path in `--flag=value[,value]`; a path in no mount is an error. */
export function mapArgs(argv: readonly string[], mounts: readonly Mount[], root: string): string[] {
  return argv.map((arg, i) => {
    const eq = arg.indexOf("=");
    if (i === 0 || !arg.startsWith("-") || eq < 0) return arg;
    const values = arg.slice(eq + 1).split(",").map((v) => {
      if (!v.startsWith("/")) return v;
      const mapped = hostPathOf(v, mounts, root);
      if (mapped === undefined) {
        throw new Error(
          `Path ${v} in ${arg.slice(0, eq)} is in no volumeMount: etcd in the Pod could not see it`,
        );
      }
      return mapped;
    });
    return `${arg.slice(0, eq + 1)}${values.join(",")}`;
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;
const URL_FLAGS: readonly string[] = [
  "listen-client-urls",
  "listen-peer-urls",
  "listen-metrics-urls",
  "advertise-client-urls",
  "initial-advertise-peer-urls",
  "initial-cluster",
];

/** Throws when a URL flag names a non-loopback host: tests may only listen on loopback, or on the
 * `allowed` addresses of network namespaces the test itself created (tests/support/etcd_cluster.ts). */
export function assertLoopbackOnly(
  argv: readonly string[],
  file = "etcd.yaml",
  allowed: readonly string[] = [],
): void {
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || !URL_FLAGS.includes(m[1]!)) continue;
    for (const part of m[2]!.split(",")) {
      const host = new URL(part.slice(part.indexOf("=") + 1)).hostname;
      if (!LOOPBACK.test(host) && !allowed.includes(host)) {
        throw new Error(
          `Refusing to start ${file}: --${
            m[1]
          } uses ${host}, which is not loopback: render it with advertise address 127.0.0.1`,
        );
      }
    }
  }
}

/** etcd 3.6 flags and feature gates whose setting etcd ≤ 3.5 knows under another name. */
const LEGACY_FLAG_NAMES: Readonly<Record<string, string>> = {
  "watch-progress-notify-interval": "experimental-watch-progress-notify-interval",
};
const LEGACY_GATE_FLAGS: Readonly<Record<string, string>> = {
  InitialCorruptCheck: "experimental-initial-corrupt-check",
  CompactHashCheck: "experimental-compact-hash-check-enabled",
};

export const flagName = (arg: string) => arg.replace(/^--?/, "").split("=")[0]!;

/** Applies `policy` to the flags in `rejected` (names without dashes). Pure. */
export function adaptFlags(
  flags: readonly string[],
  rejected: ReadonlySet<string>,
  policy: FlagPolicy,
  etcdVersion: string,
): { argv: string[]; adjustments: FlagAdjustment[] } {
  const bad = flags.filter((f) => rejected.has(flagName(f)));
  if (bad.length > 0 && policy === "strict") {
    throw new Error(
      `etcd ${etcdVersion} rejects ${
        bad.join(", ")
      }: it is older than the etcd this manifest was rendered for; ` +
        `pass flagPolicy "translate" or "drop" to run it anyway`,
    );
  }
  const argv: string[] = [];
  const adjustments: FlagAdjustment[] = [];
  for (const f of flags) {
    const name = flagName(f);
    if (!rejected.has(name)) {
      argv.push(f);
      continue;
    }
    const value = f.includes("=") ? f.slice(f.indexOf("=") + 1) : "";
    const legacy = policy === "translate" ? LEGACY_FLAG_NAMES[name] : undefined;
    if (legacy) {
      argv.push(`--${legacy}=${value}`);
      adjustments.push({ flag: f, action: "replaced", replacement: `--${legacy}=${value}` });
    } else if (name === "feature-gates" && policy === "translate") {
      for (const gate of value.split(",").filter(Boolean)) {
        const [g = "", on = "true"] = gate.split("=");
        const to = LEGACY_GATE_FLAGS[g];
        if (to) argv.push(`--${to}=${on}`);
        adjustments.push(
          to
            ? { flag: `--feature-gates=${gate}`, action: "replaced", replacement: `--${to}=${on}` }
            : { flag: `--feature-gates=${gate}`, action: "dropped" },
        );
      }
    } else adjustments.push({ flag: f, action: "dropped" });
  }
  return { argv, adjustments };
}
