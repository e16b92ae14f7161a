/**
 * The preflight phase against fake hosts: every check passing, warning and failing, kubeadm's names,
 * order and output, the ignore rules, dry-run, and what differs between minors.
 */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { join } from "node:path";
import type { InitConfig } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";
import { UserError } from "../lib/errors.ts";
import { makePreflightPhase } from "../phases/preflight.ts";
import { fakeCPUInfo, type FakeHostOptions, fakePreflightHost } from "../lib/preflight/fake.ts";
import { detectCRISocket, initChecks, realPreflightHost } from "../lib/preflight/mod.ts";
import { parseVersion } from "../lib/model.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

interface Outcome {
  /** stdout and stderr in order, stderr lines prefixed with "E " and stdout lines with "O ". */
  readonly out: string[];
  readonly warnings: string[];
  readonly error?: UserError;
  readonly calls: string[];
}

interface RunOptions {
  readonly host?: FakeHostOptions;
  readonly dryRun?: boolean;
  readonly ignore?: readonly string[];
  readonly cfg?: (c: InitConfig) => InitConfig;
}

function withNodeReg(c: InitConfig, over: Partial<InitConfig["nodeRegistration"]>): InitConfig {
  return { ...c, nodeRegistration: { ...c.nodeRegistration, ...over } };
}

async function preflight(version: string, o: RunOptions = {}): Promise<Outcome> {
  let cfg = withNodeReg(referenceConfig(version), { ignorePreflightErrors: o.ignore ?? [] });
  if (o.cfg) cfg = o.cfg(cfg);
  const host = fakePreflightHost({
    ...o.host,
    commands: { "kubelet --version": { stdout: `Kubernetes ${version}\n` }, ...o.host?.commands },
  });
  const out: string[] = [];
  const warnings: string[] = [];
  const ctx = {
    ...testContext({ cfg, root: "/nonexistent", keys: testKeySource(), dryRun: o.dryRun ?? false }),
    log: {
      info: (l: string) => out.push(`O ${l}`),
      warn: (l: string) => {
        out.push(`E ${l}`);
        warnings.push(l);
      },
    },
  };
  try {
    await makePreflightPhase(() => host).run!(ctx);
    return { out, warnings, calls: host.calls };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { out, warnings, error: e, calls: host.calls };
  }
}

/** The `\t[ERROR Name]: msg` lines of a failure. */
function errorLines(r: Outcome): string[] {
  return r.error ? r.error.message.split("\n").filter((l) => l.startsWith("\t[ERROR")) : [];
}

const HEALTHY = "preflight passes quietly on a healthy host";
for (const v of ["v1.20.2", "v1.23.17", "v1.24.17", "v1.27.16", "v1.30.14", "v1.31.9", "v1.34.7"]) {
  Deno.test(`${HEALTHY} (${v})`, async () => {
    const r = await preflight(v);
    assertEquals(r.error, undefined);
    assertEquals(r.out, ["O [preflight] Running pre-flight checks"]);
  });
}

// One row per check outcome: the version, the host, and the exact line kubeadm prints.
const CASES: readonly {
  what: string;
  v: string;
  host?: FakeHostOptions;
  cfg?: RunOptions["cfg"];
  line: string;
}[] = [
  {
    what: "NumCPU fails with one CPU",
    v: "v1.34.7",
    host: { files: { "/proc/cpuinfo": fakeCPUInfo(1) } },
    line: "\t[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2",
  },
  {
    what: "Mem fails below 1700 MB",
    v: "v1.20.2",
    host: { files: { "/proc/meminfo": "MemTotal:        1000000 kB\n" } },
    line: "\t[ERROR Mem]: the system RAM (976 MB) is less than the minimum 1700 MB",
  },
  {
    what: "Firewalld warns when active",
    v: "v1.34.7",
    host: {
      commands: {
        "systemctl status firewalld": { stdout: "Loaded: loaded" },
        "systemctl is-active firewalld": { stdout: "active\n" },
      },
    },
    line:
      "\t[WARNING Firewalld]: firewalld is active, please ensure ports [6443 10250] are open or your cluster may not function correctly",
  },
  {
    what: "the API server port fails when taken",
    v: "v1.34.7",
    host: { busyPorts: [6443] },
    line: "\t[ERROR Port-6443]: Port 6443 is in use",
  },
  {
    what: "a custom bindPort is the checked port",
    v: "v1.34.7",
    host: { busyPorts: [8443] },
    cfg: (c) => ({ ...c, localAPIEndpoint: { ...c.localAPIEndpoint, bindPort: 8443 } }),
    line: "\t[ERROR Port-8443]: Port 8443 is in use",
  },
  {
    what: "the scheduler port fails when taken",
    v: "v1.20.2",
    host: { busyPorts: [10259] },
    line: "\t[ERROR Port-10259]: Port 10259 is in use",
  },
  {
    what: "the controller-manager port fails when taken",
    v: "v1.20.2",
    host: { busyPorts: [10257] },
    line: "\t[ERROR Port-10257]: Port 10257 is in use",
  },
  {
    what: "the kubelet port fails when taken",
    v: "v1.34.7",
    host: { busyPorts: [10250] },
    line: "\t[ERROR Port-10250]: Port 10250 is in use",
  },
  {
    what: "the etcd client port fails when taken",
    v: "v1.34.7",
    host: { busyPorts: [2379] },
    line: "\t[ERROR Port-2379]: Port 2379 is in use",
  },
  {
    what: "the etcd peer port fails when taken",
    v: "v1.34.7",
    host: { busyPorts: [2380] },
    line: "\t[ERROR Port-2380]: Port 2380 is in use",
  },
  {
    what: "an existing manifest fails",
    v: "v1.34.7",
    host: { files: { "/etc/kubernetes/manifests/kube-scheduler.yaml": "x" } },
    line:
      "\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml]: /etc/kubernetes/manifests/kube-scheduler.yaml already exists",
  },
  {
    what: "HTTPProxy warns when the advertise address goes through a proxy",
    v: "v1.34.7",
    host: { env: { HTTPS_PROXY: "proxy.example:3128", NO_PROXY: "10.96.0.0/12,10.244.0.0/16" } },
    line:
      '\t[WARNING HTTPProxy]: Connection to "https://10.0.0.10" uses proxy "http://proxy.example:3128". If that is not intended, adjust your proxy settings',
  },
  {
    what: "HTTPProxyCIDR warns when the Service range goes through a proxy",
    v: "v1.20.2",
    host: { env: { https_proxy: "http://proxy.example:3128", no_proxy: "10.0.0.10,10.244.0.0/16" } },
    line:
      '\t[WARNING HTTPProxyCIDR]: connection to "10.96.0.0/12" uses proxy "http://proxy.example:3128". This may lead to malfunctional cluster setup. Make sure that Pod and Services IP ranges specified correctly as exceptions in proxy configuration',
  },
  {
    what: "CRI fails when the runtime does not answer (crictl era)",
    v: "v1.27.16",
    host: {
      commands: {
        "crictl -r /run/containerd/containerd.sock info": { code: 1, stderr: "connection refused" },
      },
    },
    line: "\t[ERROR CRI]: container runtime is not running: output: connection refused, error: exit status 1",
  },
  {
    what: "CRI fails when the socket is missing (CRI client era)",
    v: "v1.34.7",
    host: { sockets: [] },
    line:
      '\t[ERROR CRI]: container runtime is not running: validate service connection: validate CRI v1 runtime API for endpoint "/run/containerd/containerd.sock": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"',
  },
  {
    what: "a missing mandatory binary fails",
    v: "v1.34.7",
    host: {
      binaries: [
        "conntrack",
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
      ],
    },
    line: "\t[ERROR FileExisting-ip]: ip not found in system path",
  },
  {
    what: "a missing optional binary warns",
    v: "v1.20.2",
    host: {
      binaries: [
        "crictl",
        "conntrack",
        "ip",
        "iptables",
        "mount",
        "nsenter",
        "ebtables",
        "ethtool",
        "tc",
        "touch",
        "kubelet",
        "systemctl",
      ],
    },
    line: "\t[WARNING FileExisting-socat]: socat not found in system path",
  },
  {
    what: "SystemVerification fails on an old kernel",
    v: "v1.20.2",
    host: { files: { "/proc/sys/kernel/osrelease": "3.2.0-4-amd64\n" } },
    line: "\t[ERROR SystemVerification]: unsupported kernel release: 3.2.0-4-amd64",
  },
  {
    what: "SystemVerification fails without the memory cgroup",
    v: "v1.30.14",
    host: { files: { "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io hugetlb pids\n" } },
    line: "\t[ERROR SystemVerification]: missing required cgroups: memory",
  },
  {
    what: "SystemVerification warns about cgroup v1 from v1.31",
    v: "v1.31.9",
    host: {
      files: {
        "/sys/fs/cgroup/cgroup.controllers": undefined,
        "/proc/cgroups": "#subsys_name\thierarchy\tnum_cgroups\tenabled\n" +
          ["cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "pids", "hugetlb"]
            .map((n) => `${n}\t1\t1\t1`).join("\n") +
          "\n",
      },
    },
    line:
      "\t[WARNING SystemVerification]: cgroups v1 support is in maintenance mode, please migrate to cgroups v2",
  },
  {
    what: "Hostname warns about a bad node name",
    v: "v1.34.7",
    cfg: (c) => withNodeReg(c, { name: "-bad" }),
    host: { hosts: { "-bad": ["10.0.0.10"] } },
    line:
      `\t[WARNING Hostname]: invalid node name format "-bad": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  },
  {
    what: "KubeletVersion fails on a kubelet newer than the control plane",
    v: "v1.33.5",
    host: { commands: { "kubelet --version": { stdout: "Kubernetes v1.34.7\n" } } },
    line:
      '\t[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "1.34.7" Control plane version: "1.33.5"',
  },
  {
    what: "KubeletVersion fails on a kubelet older than kubeadm supports",
    v: "v1.20.2",
    host: { commands: { "kubelet --version": { stdout: "Kubernetes v1.18.20\n" } } },
    line:
      '\t[ERROR KubeletVersion]: Kubelet version "1.18.20" is lower than kubeadm can support. Please upgrade kubelet',
  },
  {
    what: "Service-Kubelet warns when the kubelet is not enabled",
    v: "v1.34.7",
    host: { commands: { "systemctl is-enabled kubelet": { code: 1, stdout: "disabled\n" } } },
    line:
      "\t[WARNING Service-Kubelet]: kubelet service is not enabled, please run 'systemctl enable kubelet.service'",
  },
  {
    what: "ip_forward fails when off",
    v: "v1.34.7",
    host: { files: { "/proc/sys/net/ipv4/ip_forward": "0\n" } },
    line:
      "\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1",
  },
  {
    what: "a non-empty etcd data folder fails",
    v: "v1.34.7",
    host: { files: { "/var/lib/etcd/member/snap/db": "x" } },
    line: "\t[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty",
  },
];

for (const c of CASES) {
  Deno.test(`${c.what} (${c.v})`, async () => {
    const r = await preflight(c.v, { host: c.host, cfg: c.cfg });
    const all = [...r.warnings, ...errorLines(r)];
    assert(all.includes(c.line), `expected\n${c.line}\namong\n${all.join("\n")}`);
    assertEquals(all.length, 1, all.join("\n"));
  });
}

Deno.test("an empty etcd data folder passes", async () => {
  const r = await preflight("v1.34.7", { host: { dirs: { "/var/lib/etcd": [] } } });
  assertEquals(r.error, undefined);
});

Deno.test("a failed system verification prints kubeadm's report on stdout first", async () => {
  const r = await preflight("v1.20.2", { host: { files: { "/proc/sys/kernel/osrelease": "3.2.0\n" } } });
  const at = r.out.indexOf(
    "O [preflight] The system verification failed. Printing the output from the verification:",
  );
  assert(at > 0, r.out.join("\n"));
  assertEquals(r.out[at + 1], "O KERNEL_VERSION: 3.2.0");
});

Deno.test("an unresolvable node name warns twice as kubeadm does", async () => {
  const r = await preflight("v1.34.7", { host: { hosts: {} } });
  assertEquals(r.warnings, [
    '\t[WARNING Hostname]: hostname "master-1" could not be reached',
    '\t[WARNING Hostname]: hostname "master-1": lookup master-1: no such host',
  ]);
});

const external = (c: InitConfig): InitConfig => ({
  ...c,
  cluster: {
    ...c.cluster,
    etcd: {
      external: {
        endpoints: ["https://10.0.0.20:2379"],
        caFile: "/etc/etcd/ca.crt",
        certFile: "/etc/etcd/client.crt",
        keyFile: "/etc/etcd/client.key",
      },
    },
  },
});
const ETCD_FILES = {
  "/etc/etcd/ca.crt": "CA",
  "/etc/etcd/client.crt": "CERT",
  "/etc/etcd/client.key": "KEY",
};
const etcdAnswer = (v: string) => ({
  status: 200,
  statusText: "OK",
  body: JSON.stringify({ etcdserver: v, etcdcluster: "3.5.0" }),
});

Deno.test("external etcd of a supported version passes, without the local etcd checks", async () => {
  const r = await preflight("v1.34.7", {
    cfg: external,
    host: {
      files: ETCD_FILES,
      https: { "https://10.0.0.20:2379/version": etcdAnswer("3.5.21") },
      busyPorts: [2379, 2380],
    },
  });
  assertEquals(r.error, undefined);
  assert(r.calls.includes("GET https://10.0.0.20:2379/version"));
});

Deno.test("external etcd that is too old, unreachable or without its certificates fails", async () => {
  const old = await preflight("v1.34.7", {
    cfg: external,
    host: { files: ETCD_FILES, https: { "https://10.0.0.20:2379/version": etcdAnswer("3.4.3") } },
  });
  assertEquals(errorLines(old), [
    "\t[ERROR ExternalEtcdVersion]: this version of kubeadm only supports external etcd version >= 3.5.11-0. Current version: 3.4.3",
  ]);
  const down = await preflight("v1.20.2", { cfg: external, host: { files: ETCD_FILES } });
  assertEquals(errorLines(down), [
    '\t[ERROR ExternalEtcdVersion]: Get "https://10.0.0.20:2379/version": dial tcp: connection refused',
  ]);
  assertEquals(down.calls.filter((c) => c.startsWith("GET")).length, 4, "kubeadm tries 1 + 3 times");
  const noKey = await preflight("v1.34.7", {
    cfg: external,
    host: {
      files: { ...ETCD_FILES, "/etc/etcd/client.key": undefined },
      https: { "https://10.0.0.20:2379/version": etcdAnswer("3.5.21") },
    },
  });
  assertEquals(errorLines(noKey), [
    "\t[ERROR ExternalEtcdVersion]: couldn't load external etcd's certificate and key pair /etc/etcd/client.crt, /etc/etcd/client.key: open /etc/etcd/client.key: no such file or directory",
    "\t[ERROR ExternalEtcdClientCertificates]: /etc/etcd/client.key doesn't exist",
  ]);
});

Deno.test("a non-root user fails first and alone, before any other check", async () => {
  const r = await preflight("v1.34.7", { host: { uid: 1000, busyPorts: [6443] } });
  assertEquals(
    r.error?.message,
    "[preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: user is not running as root\n" +
      "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`",
  );
  assertEquals(r.calls, []);
});

Deno.test("fatal errors are collected after all checks, in kubeadm's format", async () => {
  const r = await preflight("v1.34.7", {
    host: { busyPorts: [10250, 6443], files: { "/proc/swaps": "h\n/swap file 1 0 -2\n" } },
  });
  assertEquals(
    r.error?.message,
    "[preflight] Some fatal errors occurred:\n" +
      "\t[ERROR Port-6443]: Port 6443 is in use\n" +
      "\t[ERROR Port-10250]: Port 10250 is in use\n" +
      "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`",
  );
  assertEquals(r.out, [
    "O [preflight] Running pre-flight checks",
    "E \t[WARNING Swap]: swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. " +
    "Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node",
  ]);
});

Deno.test("--ignore-preflight-errors turns the named checks' errors into warnings, in any case", async () => {
  const host = { busyPorts: [6443, 10250] };
  const one = await preflight("v1.34.7", { host, ignore: ["port-6443"] });
  assertEquals(errorLines(one), ["\t[ERROR Port-10250]: Port 10250 is in use"]);
  assertEquals(one.warnings, ["\t[WARNING Port-6443]: Port 6443 is in use"]);
  const mixed = await preflight("v1.34.7", { host, ignore: ["PORT-6443", "Port-10250"] });
  assertEquals(mixed.error, undefined);
  assertEquals(mixed.warnings.length, 2);
});

Deno.test("--ignore-preflight-errors=all ignores every check, IsPrivilegedUser included", async () => {
  const r = await preflight("v1.34.7", { ignore: ["all"], host: { uid: 1000, busyPorts: [6443] } });
  assertEquals(r.error, undefined);
  assertEquals(r.warnings, [
    "\t[WARNING IsPrivilegedUser]: user is not running as root",
    "\t[WARNING Port-6443]: Port 6443 is in use",
  ]);
});

Deno.test("dry-run reports errors as warnings and announces the image pull", async () => {
  const r = await preflight("v1.34.7", { dryRun: true, host: { busyPorts: [6443] } });
  assertEquals(r.error, undefined);
  assertEquals(r.out, [
    "O [preflight] Running pre-flight checks",
    "E \t[WARNING Port-6443]: Port 6443 is in use",
    "O [preflight] Would pull the required images (like 'kubeadm config images pull')",
  ]);
});

Deno.test("dry-run on the v1.20.2 reference host prints the reference transcript's preflight lines", async () => {
  const ref = new URL("../../shared/reference/kubeadm-v1.20.2/init-dry-run.txt", import.meta.url).pathname;
  const lines = (await Deno.readTextFile(ref)).split("\n");
  const expected = lines.slice(1, lines.findIndex((l) => l.startsWith("[preflight] Would pull")) + 1);
  const r = await preflight("v1.20.2", {
    dryRun: true,
    host: {
      binaries: ["ip", "mount", "nsenter", "tc", "touch", "systemctl"],
      files: { "/proc/sys/net/ipv4/ip_forward": "0\n" },
      hosts: {},
      lookupError: (n) => `lookup ${n} on <resolver>: no such host`,
      commands: {
        "systemctl status kubelet": { code: 3, stdout: "kubelet.service\n   Loaded: loaded\n" },
        "systemctl is-enabled kubelet": { code: 1 },
      },
    },
  });
  assertEquals(r.out.map((l) => l.slice(2)), expected);
});

Deno.test("per minor: bridge-nf-call-iptables is checked up to v1.29", async () => {
  const host = { files: { "/proc/sys/net/bridge/bridge-nf-call-iptables": undefined } };
  const line = "\t[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: " +
    "/proc/sys/net/bridge/bridge-nf-call-iptables does not exist";
  assertEquals(errorLines(await preflight("v1.20.2", { host })), [line]);
  assertEquals(errorLines(await preflight("v1.29.15", { host })), [line]);
  assertEquals(errorLines(await preflight("v1.30.14", { host })), []);
});

Deno.test("per minor: crictl is an error up to v1.30, a warning in v1.31, unchecked from v1.32", async () => {
  const noCrictl = {
    binaries: [
      "conntrack",
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
    ],
  };
  const v120 = await preflight("v1.20.2", { host: noCrictl });
  assertEquals(errorLines(v120), ["\t[ERROR FileExisting-crictl]: crictl not found in system path"]);
  assert(v120.out.includes(
    'O [preflight] WARNING: Couldn\'t create the interface used for talking to the container runtime: crictl is required for container runtime: exec: "crictl": executable file not found in $PATH',
  ));
  assertEquals(errorLines(await preflight("v1.30.14", { host: noCrictl })), [
    "\t[ERROR FileExisting-crictl]: crictl not found in system path",
  ]);
  const v131 = await preflight("v1.31.9", { host: noCrictl });
  assertEquals(v131.error, undefined);
  assertEquals(v131.warnings, ["\t[WARNING FileExisting-crictl]: crictl not found in system path"]);
  assertEquals((await preflight("v1.32.9", { host: noCrictl })).warnings, []);
});

Deno.test("per minor: with Docker (v1.20 - v1.23) crictl is not needed and the docker service is checked", async () => {
  const docker = withNodeReg(referenceConfig("v1.20.2"), { criSocket: "/var/run/dockershim.sock" });
  const r = await preflight("v1.20.2", {
    cfg: () => docker,
    host: {
      binaries: [
        "docker",
        "conntrack",
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
      ],
      commands: {
        "docker info -f {{.CgroupDriver}}": { stdout: "cgroupfs\n" },
        "systemctl is-active docker": { stdout: "inactive\n" },
      },
    },
  });
  assertEquals(errorLines(r), [
    "\t[ERROR Service-Docker]: docker service is not active, please run 'systemctl start docker.service'",
  ]);
  assertMatch(
    r.warnings.join("\n"),
    /\[WARNING IsDockerSystemdCheck\]: detected "cgroupfs" as the Docker cgroup driver/,
  );
  assert(r.calls.includes("docker info"));
});

Deno.test("per minor: conntrack is required for targets below v1.32", async () => {
  const noConntrack = {
    binaries: [
      "crictl",
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
    ],
  };
  const line = "\t[ERROR FileExisting-conntrack]: conntrack not found in system path";
  assertEquals(errorLines(await preflight("v1.20.2", { host: noConntrack })), [line]);
  assertEquals(errorLines(await preflight("v1.31.9", { host: noConntrack })), [line]);
  assertEquals(errorLines(await preflight("v1.32.9", { host: noConntrack })), []);
});

Deno.test("per minor: swap is an error up to v1.22 and a warning after", async () => {
  const host = { files: { "/proc/swaps": "Filename Type Size Used Priority\n/swapfile file 1024 0 -2\n" } };
  assertEquals(errorLines(await preflight("v1.20.2", { host })), [
    "\t[ERROR Swap]: running with swap on is not supported. Please disable swap",
  ]);
  assertEquals(errorLines(await preflight("v1.22.17", { host })).length, 1);
  const v123 = await preflight("v1.23.17", { host });
  assertEquals(v123.error, undefined);
  assertMatch(v123.warnings[0]!, /^\t\[WARNING Swap\]: swap is enabled/);
});

Deno.test("per minor: CRI detection lets Docker win up to v1.23 and asks for --cri-socket from v1.24", async () => {
  const has = (...s: string[]) => (p: string) => Promise.resolve(s.includes(p));
  const v120 = minorInfo(20), v134 = minorInfo(34);
  assertEquals(
    await detectCRISocket(v120, has("/var/run/docker.sock", "/run/containerd/containerd.sock")),
    "/var/run/dockershim.sock",
  );
  assertEquals(
    await detectCRISocket(v120, has("/run/containerd/containerd.sock")),
    "/run/containerd/containerd.sock",
  );
  assertEquals(await detectCRISocket(v120, has()), "/var/run/dockershim.sock");
  await detectCRISocket(v120, has("/var/run/docker.sock", "/var/run/crio/crio.sock")).then(
    () => assert(false, "expected an error"),
    (e) =>
      assertMatch(
        String(e),
        /Found multiple CRI sockets, please use --cri-socket to select one: \/var\/run\/dockershim.sock, \/var\/run\/crio\/crio.sock/,
      ),
  );
  await detectCRISocket(v134, has("/var/run/containerd/containerd.sock", "/var/run/cri-dockerd.sock")).then(
    () => assert(false, "expected an error"),
    (e) =>
      assertMatch(
        String(e),
        /Found multiple CRI endpoints on the host.*--cri-socket: unix:\/\/\/var\/run\/containerd\/containerd.sock, unix:\/\/\/var\/run\/cri-dockerd.sock/,
      ),
  );
  assertEquals(
    await detectCRISocket(v134, has("/var/run/cri-dockerd.sock")),
    "unix:///var/run/cri-dockerd.sock",
  );
  assertEquals(await detectCRISocket(v134, has()), "unix:///var/run/containerd/containerd.sock");
});

Deno.test("preflight detects the CRI socket when none is configured and checks that runtime", async () => {
  const noSocket = (c: InitConfig) => withNodeReg(c, { criSocket: "" });
  const r = await preflight("v1.27.16", { cfg: noSocket, host: { sockets: ["/var/run/crio/crio.sock"] } });
  assertEquals(r.error, undefined);
  assert(r.calls.includes("crictl -r unix:///var/run/crio/crio.sock info"), r.calls.join("\n"));
  const two = await preflight("v1.34.7", {
    cfg: noSocket,
    host: { sockets: ["/var/run/crio/crio.sock", "/var/run/containerd/containerd.sock"] },
  });
  assertMatch(String(two.error), /Found multiple CRI endpoints/);
});

Deno.test("the checks run in kubeadm's order for v1.20 and v1.34", async () => {
  const names = async (v: string) => {
    const cfg = referenceConfig(v);
    const version = parseVersion(v)!;
    const { checks } = await initChecks(fakePreflightHost(), {
      cfg,
      version,
      minor: minorInfo(version.minor),
      criSocket: "/run/containerd/containerd.sock",
    });
    return checks.map((c) => c.name);
  };
  const head = ["NumCPU", "Mem", "KubernetesVersion", "Firewalld", "Port-6443", "Port-10259", "Port-10257"];
  const files = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"]
    .map((n) => `FileAvailable--etc-kubernetes-manifests-${n}.yaml`);
  const proxy = ["HTTPProxy", "HTTPProxyCIDR", "HTTPProxyCIDR"];
  const tools = ["ip", "iptables", "mount", "nsenter", "ebtables", "ethtool", "socat", "tc", "touch"].map((
    b,
  ) => `FileExisting-${b}`);
  const tail = ["SystemVerification", "Hostname", "KubeletVersion", "Service-Kubelet", "Port-10250"];
  const etcd = ["Port-2379", "Port-2380", "DirAvailable--var-lib-etcd"];
  assertEquals(await names("v1.20.2"), [
    ...head,
    ...files,
    ...proxy,
    "CRI",
    "FileExisting-crictl",
    "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables",
    "FileContent--proc-sys-net-ipv4-ip_forward",
    "Swap",
    "FileExisting-conntrack",
    ...tools,
    ...tail,
    ...etcd,
  ]);
  assertEquals(await names("v1.34.7"), [
    ...head,
    ...files,
    ...proxy,
    "CRI",
    "Swap",
    ...tools,
    ...tail,
    "FileContent--proc-sys-net-ipv4-ip_forward",
    ...etcd,
  ]);
});

Deno.test("the real host finds a taken port, PATH binaries and files under its root", async () => {
  const root = await Deno.makeTempDir({ prefix: "kadm-preflight-" });
  try {
    await Deno.mkdir(join(root, "proc/sys/net/ipv4"), { recursive: true });
    await Deno.writeTextFile(join(root, "proc/sys/net/ipv4/ip_forward"), "1\n");
    const host = realPreflightHost(root);
    assertEquals(await host.readFile("/proc/sys/net/ipv4/ip_forward"), "1\n");
    assertEquals(await host.readFile("/nope"), undefined);
    assertEquals(await host.listDir("/proc/sys/net"), ["ipv4"]);
    assertEquals(await host.listDir("/nope"), undefined);
    assert(await host.lookPath("sh"));
    assertEquals((await host.run("no-such-binary-kadm", [])).notFound, true);
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      assertEquals(await host.portFree((l.addr as Deno.NetAddr).port), false);
    } finally {
      l.close();
    }
    assertEquals((await host.lookupHost("localhost")).addrs.length > 0, true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
