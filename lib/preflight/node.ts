/**
 * The checks whose wording or severity depends on the minor: Swap, KubernetesVersion, KubeletVersion,
 * and the container runtime (CRI, Service-Docker, IsDockerSystemdCheck) per kubeadm era.
 */
import type { Version } from "../model.ts";
import type { PreflightHost } from "./host.ts";
import { isDockershim, socketPath } from "./cri.ts";
import { serviceCheck } from "./checks.ts";
import { atMinor, type ByMinor, type Check, type CheckInput, type Finding, finding, ok } from "./types.ts";

/** A parsed semantic version (apimachinery's ParseSemantic, without build metadata). */
export interface SemVer {
  readonly nums: readonly [number, number, number];
  readonly pre: string;
}

export function parseSemver(s: string): SemVer | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s.trim());
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? "" };
}

export function semverString(v: SemVer): string {
  return v.nums.join(".") + (v.pre ? `-${v.pre}` : "");
}

/** Negative when a < b, as semver orders them (a pre-release sorts before its release). */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (let i = 0; i < 3; i++) if (a.nums[i] !== b.nums[i]) return a.nums[i]! - b.nums[i]!;
  if (a.pre === b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  const pa = a.pre.split("."), pb = b.pre.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i], y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x), ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Swap's message per minor. v1.20 - v1.22 an error (swap unsupported); a warning from v1.23
 * (kubernetes#104854); reworded in v1.28 (#120198) and v1.31 (#125157).
 * unverified: the v1.23 wording and the v1.34 wording's first minor (seen in checks.go @ 00b6a4c7).
 */
const SWAP_MESSAGE: ByMinor<string> = [
  [20, "running with swap on is not supported. Please disable swap"],
  [
    23,
    "swap is enabled; production deployments should disable swap unless testing the NodeSwap feature gate of the kubelet",
  ],
  [
    28,
    "swap is supported for cgroup v2 only; the NodeSwap feature gate of the kubelet is beta but disabled by default",
  ],
  [
    31,
    "swap is supported for cgroup v2 only; the NodeSwap feature gate of the kubelet is beta and enabled by default; " +
    "the kubelet must be properly configured to use swap; or disable swap on node",
  ],
  [
    34,
    "swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to " +
    "https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node",
  ],
];
export const SWAP_SEVERITY = [[20, "error"], [23, "warning"]] as const;

export function swapCheck(minor: number): Check {
  return {
    name: "Swap",
    severity: atMinor(SWAP_SEVERITY, minor),
    async run(h) {
      const swaps = await h.readFile("/proc/swaps");
      if (swaps === undefined) return ok; // /proc/swaps not available: nothing to warn about
      const lines = swaps.split("\n").filter((l, i, all) => !(l === "" && i === all.length - 1));
      return lines.length > 1 ? [finding(atMinor(SWAP_MESSAGE, minor))] : ok;
    },
  };
}

/** kubeadm of a minor deploys at most that minor: a newer target is a warning (never for kadm's own minor). */
export function kubernetesVersionCheck(target: Version, kadmMinor: number): Check {
  return {
    name: "KubernetesVersion",
    severity: "warning",
    run() {
      if (target.major > 1 || target.minor > kadmMinor) {
        return Promise.resolve([
          finding(
            `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. ` +
              `Kubernetes version: ${target.major}.${target.minor}.${target.patch}. Kubeadm version: 1.${kadmMinor}.x`,
          ),
        ]);
      }
      return Promise.resolve(ok);
    },
  };
}

/**
 * The oldest kubelet kubeadm accepts: one minor back up to v1.27, three from v1.28 (KEP-3935 widened the
 * kubelet skew to n-3). unverified: the v1.28 boundary for kubeadm's constants.MinimumKubeletVersion.
 */
export function minimumKubeletVersion(minor: number): SemVer {
  return { nums: [1, minor <= 27 ? minor - 1 : minor - 3, 0], pre: "" };
}

const KUBELET_VERSION_RE =
  /^\s*Kubernetes v((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-0-9a-zA-Z_.+]*)?)\s*$/;

export function kubeletVersionCheck(target: Version, minor: number): Check {
  return {
    name: "KubeletVersion",
    severity: "error",
    async run(h) {
      const r = await h.run("kubelet", ["--version"]);
      const cannot = "couldn't get kubelet version: cannot execute 'kubelet --version'";
      if (r.notFound) return [finding(`${cannot}: executable file not found in $PATH`)];
      if (r.code !== 0) return [finding(`${cannot}: exit status ${r.code}`)];
      const clean = r.stdout.trim();
      const m = KUBELET_VERSION_RE.exec(clean);
      const kubelet = m ? parseSemver(m[1]!) : undefined;
      if (!kubelet) {
        return [finding(`couldn't get kubelet version: Unable to parse output from Kubelet: "${clean}"`)];
      }
      if (compareSemver(kubelet, minimumKubeletVersion(minor)) < 0) {
        return [
          finding(
            `Kubelet version "${
              semverString(kubelet)
            }" is lower than kubeadm can support. Please upgrade kubelet`,
          ),
        ];
      }
      if (kubelet.nums[0] > target.major || kubelet.nums[1] > target.minor) {
        const cp = `${target.major}.${target.minor}.${target.patch}${target.pre}`;
        return [
          finding(
            `the kubelet version is higher than the control plane version. This is not a supported version skew and ` +
              `may lead to a malfunctional cluster. Kubelet version: "${
                semverString(kubelet)
              }" Control plane version: "${cp}"`,
          ),
        ];
      }
      return ok;
    },
  };
}

/** What the container runtime adds to the check list, and the line kubeadm prints when it cannot. */
export interface RuntimeChecks {
  readonly checks: readonly Check[];
  /** `[preflight] WARNING: Couldn't create the interface ...` (stdout up to v1.30, a klog warning after). */
  readonly note?: Finding;
  /** v1.20 - v1.23 with the dockershim socket and docker on PATH: no crictl check. */
  readonly isDocker: boolean;
}

const COULDNT =
  "[preflight] WARNING: Couldn't create the interface used for talking to the container runtime";

function criCheck(run: (h: PreflightHost) => Promise<readonly Finding[]>): Check {
  return { name: "CRI", severity: "error", run };
}

async function notRunning(
  h: PreflightHost,
  cmd: string,
  args: readonly string[],
): Promise<readonly Finding[]> {
  const r = await h.run(cmd, args);
  if (r.code === 0) return ok;
  return [
    finding(`container runtime is not running: output: ${r.stdout}${r.stderr}, error: exit status ${r.code}`),
  ];
}

/**
 * kubeadm's IsDockerSystemdCheck: v1.20 and v1.21 (real v1.21.1, v1.21.4, v1.21.5 `kubeadm init` output warns
 * with it). unverified: that v1.22 dropped it.
 */
function dockerSystemdCheck(): Check {
  return {
    name: "IsDockerSystemdCheck",
    severity: "warning",
    async run(h) {
      const r = await h.run("docker", ["info", "-f", "{{.CgroupDriver}}"]);
      if (r.code !== 0) return [finding(`docker info: exit status ${r.code}: ${r.stderr.trim()}`, "error")];
      const driver = r.stdout.trim();
      if (driver === "systemd") return ok;
      return [
        finding(
          `detected "${driver}" as the Docker cgroup driver. The recommended driver is "systemd". ` +
            `Please follow the guide at https://kubernetes.io/docs/setup/cri/`,
        ),
      ];
    },
  };
}

export async function runtimeChecks(h: PreflightHost, c: CheckInput): Promise<RuntimeChecks> {
  const minor = c.minor.minor;
  const socket = c.criSocket;
  if (minor <= 30) {
    const docker = minor <= 23 && isDockershim(socket);
    const tool = docker ? "docker" : "crictl";
    if (!(await h.lookPath(tool))) {
      const why = minor <= 23 ? "is required for container runtime" : "is required by the container runtime";
      const note = finding(
        `${COULDNT}: ${tool} ${why}: exec: "${tool}": executable file not found in $PATH`,
        "info",
      );
      return { checks: [], note, isDocker: false };
    }
    if (!docker) {
      return { checks: [criCheck((x) => notRunning(x, "crictl", ["-r", socket, "info"]))], isDocker: false };
    }
    const checks = [criCheck((x) => notRunning(x, "docker", ["info"])), serviceCheck("docker", true)];
    return { checks: minor <= 21 ? [...checks, dockerSystemdCheck()] : checks, isDocker: true };
  }
  // v1.31+: the CRI client library; the runtime is "running" when its socket answers.
  return {
    isDocker: false,
    checks: [criCheck(async (x) => {
      const path = socketPath(socket);
      if (!(await x.isSocket(path))) {
        return [
          finding(
            `container runtime is not running: validate service connection: validate CRI v1 runtime API for ` +
              `endpoint "${socket}": rpc error: code = Unavailable desc = connection error: desc = "transport: ` +
              `Error while dialing: dial unix ${path}: connect: no such file or directory"`,
          ),
        ];
      }
      // Asking the runtime's Status needs gRPC; crictl does that when it is installed.
      return (await x.lookPath("crictl"))
        ? notRunning(x, "crictl", ["--runtime-endpoint", socket, "info"])
        : ok;
    })],
  };
}
