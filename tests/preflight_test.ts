/**
 * The preflight phase as a whole against fake hosts: kubeadm's check order, the root check first, how
 * fatal errors are collected and printed, the --ignore-preflight-errors rules, and dry-run.
 */
import { assertEquals } from "./_std.ts";
import { minorInfo } from "../lib/versions.ts";
import { parseVersion } from "../lib/model.ts";
import { fakePreflightHost } from "../lib/preflight/fake.ts";
import { initChecks } from "../lib/preflight/mod.ts";
import { referenceConfig } from "./support/context.ts";
import { errorLines, preflight } from "./preflight_support.ts";

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
    ...["losetup", "mount", "cp"].map((b) => `FileExisting-${b}`),
    ...tail,
    "FileContent--proc-sys-net-ipv4-ip_forward",
    ...etcd,
  ]);
});
