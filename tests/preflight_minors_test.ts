/**
 * What preflight checks differently between minors (bridge-nf-call-iptables, crictl, Docker, conntrack,
 * swap) and how the CRI socket is detected per minor when none is configured.
 */
import { assert, assertEquals, assertMatch } from "./_std.ts";
import type { InitConfig } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";
import { detectCRISocket } from "../lib/preflight/mod.ts";
import { DEFAULT_BINARIES } from "../lib/preflight/fake.ts";
import { BINARIES, binaryChecked } from "../lib/preflight/list.ts";
import { referenceConfig } from "./support/context.ts";
import { errorLines, preflight, withNodeReg } from "./preflight_support.ts";

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

Deno.test("per patch: socat and ebtables are checked until kubernetes#127151 and its backports", async () => {
  const noSocat = { binaries: DEFAULT_BINARIES.filter((b) => b !== "socat" && b !== "ebtables") };
  const warned = async (v: string) => (await preflight(v, { host: noSocat })).warnings;
  const both = [
    "\t[WARNING FileExisting-ebtables]: ebtables not found in system path",
    "\t[WARNING FileExisting-socat]: socat not found in system path",
  ];
  assertEquals(await warned("v1.27.16"), both);
  for (const [old, fixed] of [["v1.28.14", "v1.28.15"], ["v1.29.9", "v1.29.10"], ["v1.30.5", "v1.30.6"]]) {
    assertEquals(await warned(old!), both, old);
    assertEquals(await warned(fixed!), [], fixed);
  }
  assertEquals(await warned("v1.31.1"), both);
  assertEquals(await warned("v1.31.2"), []);
  assertEquals(await warned("v1.32.0"), []);
});

Deno.test("per minor: v1.33 checks losetup, mount and cp instead of ip, iptables, nsenter, ethtool, tc, touch", () => {
  const checked = (minor: number) => BINARIES.filter((b) => binaryChecked(b, minor, 0)).map((b) => b.exe);
  assertEquals(checked(32), ["ip", "iptables", "mount", "nsenter", "ethtool", "tc", "touch"]);
  assertEquals(checked(33), ["losetup", "mount", "cp"]);
  assertEquals(checked(34), ["losetup", "mount", "cp"]);
});

Deno.test("per minor: IsDockerSystemdCheck warns with Docker on v1.21 as on v1.20", async () => {
  const docker = withNodeReg(referenceConfig("v1.21.14"), { criSocket: "/var/run/dockershim.sock" });
  const r = await preflight("v1.21.14", {
    cfg: () => docker,
    host: {
      binaries: ["docker", ...DEFAULT_BINARIES],
      commands: { "docker info -f {{.CgroupDriver}}": { stdout: "cgroupfs\n" } },
    },
  });
  assertMatch(
    r.warnings.join("\n"),
    /\[WARNING IsDockerSystemdCheck\]: detected "cgroupfs" as the Docker cgroup driver/,
  );
});
