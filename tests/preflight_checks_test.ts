/**
 * The preflight checks one by one against fake hosts: a healthy host passes quietly, and each check
 * passes, warns or fails with the exact line kubeadm prints.
 */
import { assert, assertEquals } from "./_std.ts";
import { fakeCPUInfo, type FakeHostOptions } from "../lib/preflight/fake.ts";
import { errorLines, preflight, type RunOptions, withNodeReg } from "./preflight_support.ts";

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
    what: "a missing mandatory binary fails (v1.33+: losetup, mount, cp)",
    v: "v1.34.7",
    host: { binaries: ["mount", "cp", "kubelet", "systemctl"] },
    line: "\t[ERROR FileExisting-losetup]: losetup not found in system path",
  },
  {
    what: "a missing mandatory binary fails",
    v: "v1.32.9",
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
