/**
 * The kadm command as a user runs it (a subprocess of main.ts): dry-run end to end, the config and
 * token commands, phases, and bad input (one clear line, non-zero exit, no stack trace, nothing written).
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "./_std.ts";
import { join } from "node:path";
import { exists } from "../lib/host.ts";
import { openssl } from "./_assert.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const REF = new URL("../../shared/reference/kubeadm-v1.20.2/", import.meta.url).pathname;
const REF_CONFIG = new URL("./testdata/config/reference-v1beta3.yaml", import.meta.url).pathname;

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kadm(args: string[], opts: { cwd?: string } = {}): Promise<Out> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: opts.cwd,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "kadm-cli-" });
}

function modeOf(path: string): string {
  return ((Deno.statSync(path).mode ?? 0) & 0o777).toString(8);
}

function assertCleanError(r: Out, re: RegExp): void {
  assert(r.code !== 0, `expected a non-zero exit, got 0\n${r.stdout}`);
  assertMatch(r.stderr, re);
  assertNotMatch(r.stderr, /\n\s+at |Stack backtrace|Uncaught/, `stack trace in:\n${r.stderr}`);
}

Deno.test("init --dry-run with the reference config writes kubeadm's files under the dry-run folder", async () => {
  const dir = await tempDir();
  try {
    const input = join(REF, "input-config.yaml");
    const r = await kadm(["init", "--dry-run", "--dry-run-dir", dir, "--config", input]);
    assertEquals(r.code, 0, r.stderr);
    // The offline half prints kubeadm's lines, only the folder differs.
    const ours = r.stdout.replaceAll(dir + "/etc/kubernetes/pki", "<pki>").replaceAll(
      dir + "/etc/kubernetes",
      "<k8s>",
    )
      .split("\n").filter((l) => /^\[(certs|kubeconfig)\]/.test(l));
    const theirs = (await Deno.readTextFile(join(REF, "init-dry-run.txt")))
      .replaceAll("/etc/kubernetes/tmp/kubeadm-init-dryrunXXXX", "<pki>")
      .split("\n").filter((l) => /^\[(certs|kubeconfig)\]/.test(l))
      .map((l) => l.startsWith("[kubeconfig]") ? l.replace("<pki>", "<k8s>") : l);
    assertEquals(ours, theirs);
    // Files and modes as kubeadm writes them (certs.txt: keys and sa.pub 0600, certificates 0644).
    const certs = await Deno.readTextFile(join(REF, "certs.txt"));
    for (const m of certs.matchAll(/^(\d{3}) \.\/(\S+)$/gm)) {
      assertEquals(modeOf(join(dir, "etc/kubernetes/pki", m[2]!)), m[1], m[2]);
    }
    for (const f of ["admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf"]) {
      assertEquals(modeOf(join(dir, "etc/kubernetes", f)), "600", f);
    }
    assert(!(await exists(join(dir, "etc/kubernetes/super-admin.conf"))), "v1.20 has no super-admin.conf");
    for (const f of ["etcd.yaml", "kube-scheduler.yaml"]) {
      assertEquals(modeOf(join(dir, "etc/kubernetes/manifests", f)), "600");
      assertEquals(
        await Deno.readTextFile(join(dir, "etc/kubernetes/manifests", f)),
        await Deno.readTextFile(join(REF, "files", f)),
        f,
      );
    }
    for (const f of ["config.yaml", "kubeadm-flags.env"]) {
      assertEquals(modeOf(join(dir, "var/lib/kubelet", f)), "644");
      assertEquals(
        await Deno.readTextFile(join(dir, "var/lib/kubelet", f)),
        await Deno.readTextFile(join(REF, "files", f)),
      );
    }
    // The chains verify with openssl.
    const pki = join(dir, "etc/kubernetes/pki");
    for (
      const [ca, leaf] of [["ca", "apiserver"], ["front-proxy-ca", "front-proxy-client"], [
        "etcd/ca",
        "etcd/server",
      ]]
    ) {
      const v = await openssl(["verify", "-CAfile", join(pki, `${ca}.crt`), join(pki, `${leaf}.crt`)]);
      assertMatch(v, /: OK/);
    }
    // Dry-run prints the manifests as kubeadm does, and nothing secret.
    assertMatch(
      r.stdout,
      /\[dryrun\] Would write file "\/etc\/kubernetes\/manifests\/kube-apiserver.yaml" with content:/,
    );
    // Secret data is redacted; the token shows only where kubeadm prints it (the "Using token" line
    // and the join command), and nowhere with --skip-token-print.
    assertNotMatch(r.stdout + r.stderr, /PRIVATE KEY|MDEyMzQ1Njc4OWFiY2RlZg/);
    const tokenLines = (r.stdout + r.stderr).split("\n").filter((l) => l.includes("0123456789abcdef"));
    assertEquals(tokenLines, [
      "[bootstrap-token] Using token: abcdef.0123456789abcdef",
      "kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef \\",
    ]);
    const withheld = await kadm([
      "init",
      "--dry-run",
      "--dry-run-dir",
      dir + "2",
      "--config",
      input,
      "--skip-token-print",
    ]);
    assertEquals(withheld.code, 0, withheld.stderr);
    assertNotMatch(withheld.stdout + withheld.stderr, /0123456789abcdef/);
    await Deno.remove(dir + "2", { recursive: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second dry-run into the same folder keeps every key and certificate", async () => {
  const dir = await tempDir();
  try {
    const args = ["init", "--dry-run", "--dry-run-dir", dir, "--apiserver-advertise-address", "127.0.0.1"];
    assertEquals((await kadm(args)).code, 0);
    const before = await Deno.readFile(join(dir, "etc/kubernetes/pki/ca.key"));
    const r = await kadm(args);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /\[certs\] Using existing ca certificate authority/);
    assertMatch(r.stdout, /\[kubeconfig\] Using existing kubeconfig file/);
    assertEquals(await Deno.readFile(join(dir, "etc/kubernetes/pki/ca.key")), before);
    // The default version is v1.34: super-admin.conf and the NodeLocalCRISocket instance config.
    assert(await exists(join(dir, "etc/kubernetes/super-admin.conf")));
    assert(await exists(join(dir, "var/lib/kubelet/instance-config.yaml")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const BAD: readonly [string, string[], RegExp][] = [
  ["a bad pod CIDR", ["--pod-network-cidr", "10.244.0.0/33"], /--pod-network-cidr.*not a valid CIDR/],
  ["a bad token", ["--token", "ABC.def"], /--token.*\[a-z0-9\]\{6\}/],
  ["a version below v1.20", ["--kubernetes-version", "v1.19.16"], /v1\.19\.16.*v1\.20/],
  ["a version above v1.34", ["--kubernetes-version", "v1.35.0"], /v1\.35\.0/],
  ["a bad port", ["--apiserver-bind-port", "70000"], /--apiserver-bind-port/],
  ["a bad duration", ["--token-ttl", "5x"], /--token-ttl/],
  ["an unknown feature gate", ["--feature-gates", "Bogus=true"], /Bogus/],
  ["an unknown phase to skip", ["--skip-phases", "certs/bogus"], /certs\/bogus/],
  ["a missing config file", ["--config", "/nonexistent/kadm.yaml"], /\/nonexistent\/kadm.yaml/],
  ["--config mixed with other flags", ["--config", REF_CONFIG, "--pod-network-cidr", "10.1.0.0/16"], /mix/],
  ["an unknown flag", ["--bogus"], /unknown option '--bogus'/],
];

for (const [what, args, re] of BAD) {
  Deno.test(`init refuses ${what} with one clear line and writes nothing`, async () => {
    const parent = await tempDir();
    const dir = join(parent, "out");
    try {
      const r = await kadm(
        ["init", "--dry-run", "--dry-run-dir", dir, "--apiserver-advertise-address", "127.0.0.1", ...args]
          .filter((a, i, all) =>
            !(args.includes("--config") &&
              (a === "--apiserver-advertise-address" || all[i - 1] === "--apiserver-advertise-address"))
          ),
      );
      assertCleanError(r, re);
      assert(!(await exists(dir)), "nothing may be written on bad input");
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  });
}

Deno.test("an unknown field in a config file is named with its line", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "bad.yaml");
    await Deno.writeTextFile(
      file,
      "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnett: 10.244.0.0/16\n",
    );
    assertCleanError(
      await kadm(["init", "--dry-run", "--config", file]),
      /podSubnett.*line 4|line 4.*podSubnett/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config images list prints kubeadm v1.20's images in kubeadm's order", async () => {
  const r = await kadm(["config", "images", "list", "--kubernetes-version", "v1.20.2"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout.trim().split("\n"), [
    "k8s.gcr.io/kube-apiserver:v1.20.2",
    "k8s.gcr.io/kube-controller-manager:v1.20.2",
    "k8s.gcr.io/kube-scheduler:v1.20.2",
    "k8s.gcr.io/kube-proxy:v1.20.2",
    "k8s.gcr.io/pause:3.2",
    "k8s.gcr.io/etcd:3.4.13-0",
    "k8s.gcr.io/coredns:1.7.0",
  ]);
});

Deno.test("config print init-defaults gives a config that init accepts", async () => {
  const dir = await tempDir();
  try {
    const r = await kadm(["config", "print", "init-defaults"]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /apiVersion: kubeadm.k8s.io\/v1beta4\nbootstrapTokens:/);
    const file = join(dir, "defaults.yaml");
    await Deno.writeTextFile(file, r.stdout);
    const init = await kadm(["init", "--dry-run", "--dry-run-dir", join(dir, "out"), "--config", file]);
    assertEquals(init.code, 0, init.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config migrate turns a v1alpha1 MasterConfiguration into v1beta4", async () => {
  const old = new URL("./testdata/config/reference-v1alpha1.yaml", import.meta.url).pathname;
  const r = await kadm(["config", "migrate", "--old-config", old]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /^apiVersion: kubeadm.k8s.io\/v1beta4\n[^]*kind: InitConfiguration\n/);
  assertMatch(r.stdout, /kind: ClusterConfiguration/);
  assertMatch(r.stdout, /podSubnet: 10.244.0.0\/16/);
});

Deno.test("token generate prints a fresh bootstrap token; version prints kadm's", async () => {
  const a = await kadm(["token", "generate"]);
  const b = await kadm(["token", "generate"]);
  assertMatch(a.stdout, /^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
  assert(a.stdout !== b.stdout);
  const v = await kadm(["version", "-o", "short"]);
  assertMatch(v.stdout, /^v\d+\.\d+\.\d+\n$/);
});

Deno.test("init phase certs and kubeconfig write only where they are told", async () => {
  const dir = await tempDir();
  try {
    const pki = join(dir, "pki");
    const kc = join(dir, "kc");
    const common = ["--apiserver-advertise-address", "127.0.0.1", "--node-name", "node-a"];
    const ca = await kadm(["init", "phase", "certs", "ca", "--cert-dir", pki, ...common]);
    assertEquals(ca.code, 0, ca.stderr);
    // kadm's record of what it generated (.kadm-state.json) sits beside the CA it names.
    assertEquals([...Deno.readDirSync(pki)].map((e) => e.name).sort(), [
      ".kadm-state.json",
      "ca.crt",
      "ca.key",
    ]);
    const admin = await kadm([
      "init",
      "phase",
      "kubeconfig",
      "admin",
      "--cert-dir",
      pki,
      "--kubeconfig-dir",
      kc,
      ...common,
    ]);
    assertEquals(admin.code, 0, admin.stderr);
    assertEquals([...Deno.readDirSync(kc)].map((e) => e.name), ["admin.conf"]);
    const all = await kadm(["init", "phase", "certs", "all", "--cert-dir", pki, ...common]);
    assertEquals(all.code, 0, all.stderr);
    assertMatch(all.stdout, /Using existing ca certificate authority/);
    assert(await exists(join(pki, "etcd/healthcheck-client.key")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("init phase with an unknown sub-phase is refused", async () => {
  assertCleanError(await kadm(["init", "phase", "certs", "bogus"]), /bogus/);
});
