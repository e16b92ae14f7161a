/**
 * kubeadm init's preflight checks, in kubeadm's order, as one table (InitNodeChecks + addCommonChecks,
 * cmd/kubeadm/app/preflight/checks.go and checks_linux.go). Each row says for which minors and
 * configurations kubeadm runs the check, with which severity, and builds it. IsPrivilegedUser is not
 * here: it runs first and alone (`privilegedUserCheck`).
 *
 * Per-minor facts: Port-10259/10257 (the secure ports, since v1.17); Mem since before v1.20;
 * FileExisting-crictl an error up to v1.30, a warning in v1.31, gone from v1.32 (kubernetes#126596);
 * FileExisting-conntrack an error for targets below v1.32 (kubernetes#126952); bridge-nf-call-iptables
 * checked up to v1.29 (gone in v1.30, kubernetes#123464); from v1.27 the forwarding and bridge checks
 * follow the kubelet port and depend on the IP families in use (kubernetes#115420); Swap an error up
 * to v1.22, a warning from v1.23; socat/ebtables and the v1.33 binary set: see BINARIES. unverified: the
 * v1.24 - v1.26 position of crictl (first of the InPathChecks after Swap, as in v1.30.4 output).
 */
import { isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from "node:net";
import type { PreflightHost } from "./host.ts";
import {
  dirAvailable,
  fileAvailable,
  fileContent,
  fileExisting,
  firewalldCheck,
  hostnameCheck,
  inPath,
  memCheck,
  numCPU,
  portCheck,
  serviceCheck,
} from "./checks.ts";
import {
  kubeletVersionCheck,
  kubernetesVersionCheck,
  type RuntimeChecks,
  runtimeChecks,
  swapCheck,
} from "./node.ts";
import { systemVerificationCheck } from "./system.ts";
import { httpProxyCheck, httpProxyCIDRCheck } from "./proxy.ts";
import { externalEtcdVersionCheck } from "./etcd.ts";
import {
  atMinor,
  type ByMinor,
  type Check,
  type CheckInput,
  type Finding,
  finding,
  type Severity,
} from "./types.ts";

const MANIFESTS = "/etc/kubernetes/manifests";
const KUBELET_PORT = 10250;
const BRIDGE_NF = "/proc/sys/net/bridge/bridge-nf-call-iptables";
const BRIDGE_NF6 = "/proc/sys/net/bridge/bridge-nf-call-ip6tables";
const IPV4_FORWARD = "/proc/sys/net/ipv4/ip_forward";
const IPV6_FORWARDING = "/proc/sys/net/ipv6/conf/default/forwarding";

export interface BinarySpec {
  readonly exe: string;
  readonly minors: readonly [number, number];
  readonly severity: ByMinor<Severity>;
  /** Per minor, the first patch without the check (a removal backported to release branches). */
  readonly removedAtPatch?: Readonly<Record<number, number>>;
}

/**
 * kubernetes#127151 (v1.32) dropped socat and ebtables; its cherry-picks #127416/#127415/#127414/#127413
 * (merged 2024-09-18) first shipped in the October 2024 patches v1.28.15, v1.29.10, v1.30.6, v1.31.2.
 */
const SOCAT_EBTABLES_REMOVED = { 28: 15, 29: 10, 30: 6, 31: 2 } as const;

/**
 * InPathCheck rows in kubeadm's order (crictl's place differs before v1.24: see the table).
 * v1.33 (CHANGELOG-1.33.md): ip, iptables, ethtool, tc gone (kubernetes#129131), nsenter gone and losetup
 * added (#129450), cp added (#130045); a real v1.32.11 `--v=5` run checks ip, iptables, mount, nsenter,
 * ethtool, tc, touch, and v1.33+ runs check losetup, mount, cp.
 */
export const BINARIES: readonly BinarySpec[] = [
  { exe: "crictl", minors: [20, 31], severity: [[20, "error"], [31, "warning"]] },
  { exe: "conntrack", minors: [20, 31], severity: [[20, "error"]] },
  { exe: "losetup", minors: [33, 99], severity: [[33, "error"]] },
  { exe: "ip", minors: [20, 32], severity: [[20, "error"]] },
  { exe: "iptables", minors: [20, 32], severity: [[20, "error"]] },
  { exe: "mount", minors: [20, 99], severity: [[20, "error"]] },
  { exe: "cp", minors: [33, 99], severity: [[33, "error"]] },
  { exe: "nsenter", minors: [20, 32], severity: [[20, "error"]] },
  { exe: "ebtables", minors: [20, 31], severity: [[20, "warning"]], removedAtPatch: SOCAT_EBTABLES_REMOVED },
  { exe: "ethtool", minors: [20, 32], severity: [[20, "warning"]] },
  { exe: "socat", minors: [20, 31], severity: [[20, "warning"]], removedAtPatch: SOCAT_EBTABLES_REMOVED },
  { exe: "tc", minors: [20, 32], severity: [[20, "warning"]] },
  { exe: "touch", minors: [20, 32], severity: [[20, "warning"]] },
];

const inRange = (m: number, [from, to]: readonly [number, number]) => m >= from && m <= to;

/** Whether kubeadm of `minor`.`patch` runs the InPathCheck for `b`. */
export function binaryChecked(b: BinarySpec, minor: number, patch: number): boolean {
  const removed = b.removedAtPatch?.[minor];
  return inRange(minor, b.minors) && (removed === undefined || patch < removed);
}

function binaryChecks(minor: number, patch: number, skip: (exe: string) => boolean): Check[] {
  return BINARIES.filter((b) => binaryChecked(b, minor, patch) && !skip(b.exe))
    .map((b) => inPath(b.exe, atMinor(b.severity, minor)));
}

/** The IP families the cluster uses (kubeadm: the Service and Pod CIDRs and the advertise address). */
export function families(c: CheckInput): { v4: boolean; v6: boolean } {
  const cidrs = [
    ...c.cfg.cluster.networking.serviceSubnet.split(","),
    ...c.cfg.cluster.networking.podSubnet.split(","),
  ]
    .map((s) => s.trim().split("/")[0]!);
  const adv = c.cfg.localAPIEndpoint.advertiseAddress;
  return {
    v4: cidrs.some((a) => nodeIsIPv4(a)) || nodeIsIPv4(adv),
    v6: cidrs.some((a) => nodeIsIPv6(a)) || nodeIsIPv6(adv),
  };
}

function forwardingChecks(c: CheckInput, family: "v4" | "v6"): Check[] {
  const bridge = c.minor.minor <= 29;
  if (family === "v4") {
    return [...(bridge ? [fileContent(BRIDGE_NF, "1")] : []), fileContent(IPV4_FORWARD, "1")];
  }
  return [...(bridge ? [fileContent(BRIDGE_NF6, "1")] : []), fileContent(IPV6_FORWARDING, "1")];
}

interface Row {
  /** kubeadm's name, or its pattern when it carries a value. */
  readonly name: string;
  readonly minors?: readonly [number, number];
  readonly when?: (c: CheckInput) => boolean;
  readonly make: (c: CheckInput, rt: RuntimeChecks) => readonly Check[];
  /** Checks that kadm's own running control plane fails by design (its ports, manifests, etcd data):
   * skipped on a re-run over it. */
  readonly ownControlPlane?: true;
}

const local = (c: CheckInput) => c.cfg.cluster.etcd.local !== undefined;
const external = (c: CheckInput) => c.cfg.cluster.etcd.external;
const splitList = (s: string) => s.split(",").map((x) => x.trim());

/** The table, in kubeadm's order. */
export const INIT_CHECKS: readonly Row[] = [
  { name: "NumCPU", make: () => [numCPU(2)] },
  { name: "Mem", make: () => [memCheck(1700)] },
  { name: "KubernetesVersion", make: (c) => [kubernetesVersionCheck(c.version, c.minor.minor)] },
  { name: "Firewalld", make: (c) => [firewalldCheck([c.cfg.localAPIEndpoint.bindPort, KUBELET_PORT])] },
  {
    ownControlPlane: true,
    name: "Port-<bindPort>",
    make: (c) => [portCheck(c.cfg.localAPIEndpoint.bindPort)],
  },
  { ownControlPlane: true, name: "Port-10259", make: () => [portCheck(10259)] },
  { ownControlPlane: true, name: "Port-10257", make: () => [portCheck(10257)] },
  {
    name: "FileAvailable--etc-kubernetes-manifests-<component>.yaml",
    ownControlPlane: true,
    make: () =>
      ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"].map((n) =>
        fileAvailable(`${MANIFESTS}/${n}.yaml`)
      ),
  },
  { name: "HTTPProxy", make: (c) => [httpProxyCheck(c.cfg.localAPIEndpoint.advertiseAddress)] },
  {
    name: "HTTPProxyCIDR",
    make: (c) =>
      [...splitList(c.cfg.cluster.networking.serviceSubnet), ...splitList(c.cfg.cluster.networking.podSubnet)]
        .map(httpProxyCIDRCheck),
  },
  // addCommonChecks
  { name: "CRI, Service-Docker, IsDockerSystemdCheck", make: (_c, rt) => rt.checks },
  {
    name: "FileExisting-crictl (without Docker)",
    minors: [20, 23],
    make: (_c, rt) => rt.isDocker ? [] : [inPath("crictl", "error")],
  },
  {
    name: "FileContent (forwarding, in the common checks)",
    minors: [20, 26],
    make: (c) => forwardingChecks(c, "v4"),
  },
  { name: "Swap", make: (c) => [swapCheck(c.minor.minor)] },
  {
    name: "FileExisting-<binary>",
    make: (c) =>
      binaryChecks(c.minor.minor, c.version.patch, (exe) => exe === "crictl" && c.minor.minor <= 23),
  },
  { name: "SystemVerification", make: (c) => [systemVerificationCheck(c.minor.minor)] },
  { name: "Hostname", make: (c) => [hostnameCheck(c.cfg.nodeRegistration.name)] },
  { name: "KubeletVersion", make: (c) => [kubeletVersionCheck(c.version, c.minor.minor)] },
  { name: "Service-Kubelet", make: () => [serviceCheck("kubelet", false)] },
  { ownControlPlane: true, name: "Port-10250", make: () => [portCheck(KUBELET_PORT)] },
  {
    name: "FileContent (IPv6 advertise address)",
    minors: [20, 26],
    when: (c) => nodeIsIPv6(c.cfg.localAPIEndpoint.advertiseAddress),
    make: (c) => forwardingChecks(c, "v6"),
  },
  {
    name: "FileContent (IPv4 in use)",
    minors: [27, 99],
    when: (c) => families(c).v4,
    make: (c) => forwardingChecks(c, "v4"),
  },
  {
    name: "FileContent (IPv6 in use)",
    minors: [27, 99],
    when: (c) => families(c).v6,
    make: (c) => forwardingChecks(c, "v6"),
  },
  {
    name: "ExternalEtcdVersion",
    when: (c) => !!external(c),
    make: (c) => [externalEtcdVersionCheck(external(c)!, c.minor.minor)],
  },
  { ownControlPlane: true, name: "Port-2379", when: local, make: () => [portCheck(2379)] },
  { ownControlPlane: true, name: "Port-2380", when: local, make: () => [portCheck(2380)] },
  {
    name: "DirAvailable--var-lib-etcd",
    ownControlPlane: true,
    when: local,
    make: (c) => [dirAvailable(c.cfg.cluster.etcd.local!.dataDir)],
  },
  {
    name: "ExternalEtcdClientCertificates",
    when: (c) => !!external(c),
    make: (c) => {
      const e = external(c)!;
      return [e.caFile, e.certFile, e.keyFile].filter((f) => f !== "")
        .map((f) => fileExisting(f, "ExternalEtcdClientCertificates"));
    },
  },
];

/** The checks kubeadm init of the minor runs on this host and configuration, and what it printed first. */
export async function initChecks(
  h: PreflightHost,
  c: CheckInput,
): Promise<{ checks: Check[]; notes: Finding[] }> {
  const rt = await runtimeChecks(h, c);
  const m = c.minor.minor;
  const checks = INIT_CHECKS
    .filter((r) => (!r.minors || inRange(m, r.minors)) && (!r.when || r.when(c)))
    .filter((r) => !(c.ownControlPlane && r.ownControlPlane))
    .flatMap((r) => r.make(c, rt));
  return { checks, notes: rt.note ? [rt.note] : [] };
}

/** IsPrivilegedUser: run first and alone; kubeadm fails fast on it. */
export function privilegedUserCheck(): Check {
  return {
    name: "IsPrivilegedUser",
    severity: "error",
    run(h) {
      const uid = h.uid();
      return Promise.resolve(uid !== null && uid !== 0 ? [finding("user is not running as root")] : []);
    },
  };
}
