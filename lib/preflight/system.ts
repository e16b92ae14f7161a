/**
 * SystemVerification: a subset of what kubeadm runs from k8s.io/system-validators (KernelValidator,
 * OSValidator, CgroupsValidator against DefaultSysSpec).
 *
 * Done here: the OS is Linux (/proc/sys/kernel/ostype), the kernel release matches the spec's versions
 * (/proc/sys/kernel/osrelease), and the required / optional cgroup controllers are present (cgroup v2:
 * /sys/fs/cgroup/cgroup.controllers; v1: the enabled column of /proc/cgroups); v1.31+ warns on cgroup v1.
 * Not done: the kernel config validation (CONFIG_NAMESPACES, CONFIG_NET_NS, overlay, ... read from
 * /proc/config.gz or /boot/config-<release>), loaded kernel modules, the Docker version and graph-driver
 * validation of the dockershim era, and the package validator. Those report problems kadm will not see.
 */
import { type Check, type Finding, finding, ok } from "./types.ts";

/**
 * DefaultSysSpec kernel versions: 3.10+ (system-validators up to 1.8), 4.19+ later.
 * unverified: that kubeadm v1.32 is the first minor vendoring the 4.19+ spec.
 */
function kernelSpec(minor: number): readonly RegExp[] {
  return minor >= 32
    ? [/^4\.19.*$/, /^([5-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/]
    : [/^3\.[1-9][0-9].*$/, /^([4-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/];
}

const CGROUPS_V1 = {
  required: ["cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"],
  optional: ["hugetlb", "blkio"],
};
/** On cgroup v2 "devices" and "freezer" are not controllers (eBPF and cgroup.freeze): the validator assumes them. */
const CGROUPS_V2 = {
  required: ["cpu", "cpuset", "devices", "freezer", "memory", "pids"],
  optional: ["hugetlb"],
};

export function systemVerificationCheck(minor: number): Check {
  return {
    name: "SystemVerification",
    severity: "error",
    async run(h) {
      const report: string[] = [];
      const errors: Finding[] = [];
      const warnings: Finding[] = [];
      const release = (await h.readFile("/proc/sys/kernel/osrelease"))?.trim();
      if (release !== undefined) {
        report.push(`KERNEL_VERSION: ${release}`);
        if (!kernelSpec(minor).some((re) => re.test(release))) {
          errors.push(finding(`unsupported kernel release: ${release}`));
        }
      }
      const os = (await h.readFile("/proc/sys/kernel/ostype"))?.trim();
      if (os !== undefined) {
        report.push(`OS: ${os}`);
        if (os !== "Linux") errors.push(finding(`unsupported operating system: ${os}`));
      }
      const v2 = await h.readFile("/sys/fs/cgroup/cgroup.controllers");
      let enabled: Set<string> | undefined;
      let spec = CGROUPS_V1;
      if (v2 !== undefined) {
        spec = CGROUPS_V2;
        enabled = new Set([...v2.trim().split(/\s+/), "devices", "freezer"]);
      } else {
        const v1 = await h.readFile("/proc/cgroups");
        if (v1 !== undefined) {
          enabled = new Set(
            v1.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/\s+/))
              .filter((f) => f[3] === "1").map((f) => f[0]!),
          );
          if (minor >= 31) {
            warnings.push(
              finding("cgroups v1 support is in maintenance mode, please migrate to cgroups v2", "warning"),
            );
          }
        }
      }
      if (enabled) {
        const missing = (names: readonly string[]) => names.filter((n) => !enabled.has(n));
        for (const n of [...spec.required, ...spec.optional]) {
          report.push(`CGROUPS_${n.toUpperCase()}: ${enabled.has(n) ? "enabled" : "missing"}`);
        }
        const req = missing(spec.required), opt = missing(spec.optional);
        if (req.length > 0) errors.push(finding(`missing required cgroups: ${req.join(" ")}`));
        if (opt.length > 0) warnings.push(finding(`missing optional cgroups: ${opt.join(" ")}`, "warning"));
      }
      if (errors.length === 0) return warnings.length ? warnings : ok;
      const info = [
        "[preflight] The system verification failed. Printing the output from the verification:",
        ...report,
      ].map((l) => finding(l, "info"));
      return [...info, ...warnings, ...errors];
    },
  };
}
