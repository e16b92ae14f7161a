/**
 * Offline installs: `kadm config images pull` through a fake CommandRunner and a fake crictl on PATH,
 * and the preflight ImagePull report against the fake preflight host.
 */
import { assert, assertEquals, assertMatch, assertNotMatch, assertRejects } from "./_std.ts";
import { join } from "node:path";
import type { CommandResult, CommandRunner } from "../lib/host.ts";
import { imageList } from "../lib/images.ts";
import { missingImages, pulledLine, pullImages } from "../lib/images_pull.ts";
import { UserError } from "../lib/errors.ts";
import { minorInfo } from "../lib/versions.ts";
import { makePreflightPhase } from "../phases/preflight.ts";
import { DEFAULT_BINARIES, type FakeHostOptions, fakePreflightHost } from "../lib/preflight/fake.ts";
import type { RunResult } from "../lib/preflight/host.ts";
import { referenceConfig, testContext } from "./support/context.ts";
import { testKeySource } from "./support/keys.ts";

const ENDPOINT = "unix:///var/run/containerd/containerd.sock";

/** A runner that records every command line and fails the ones given. */
function fakeRunner(
  o: { fail?: Record<string, Partial<CommandResult>>; has?: readonly string[] } = {},
): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd, args) {
      const line = [cmd, ...args].join(" ");
      calls.push(line);
      const f = o.fail?.[line];
      return Promise.resolve({
        code: f?.code ?? (f ? 1 : 0),
        stdout: f?.stdout ?? "",
        stderr: f?.stderr ?? "",
      });
    },
    has: (cmd) => Promise.resolve((o.has ?? ["crictl"]).includes(cmd)),
  };
}

const V134 = referenceConfig("v1.34.7");
const IMAGES_134 = imageList(V134, minorInfo(34));

Deno.test("images pull runs crictl pull for every image in order and prints kubeadm's lines", async () => {
  const runner = fakeRunner();
  const lines: string[] = [];
  await pullImages(runner, ENDPOINT, IMAGES_134, (i) => lines.push(pulledLine(i)));
  assertEquals(runner.calls, IMAGES_134.map((i) => `crictl --runtime-endpoint ${ENDPOINT} pull ${i}`));
  assertEquals(lines, IMAGES_134.map((i) => `[config/images] Pulled ${i}`));
  assertEquals(lines[0], "[config/images] Pulled registry.k8s.io/kube-apiserver:v1.34.7");
});

Deno.test("a failed pull stops at that image with one line naming it and crictl's stderr", async () => {
  const bad = IMAGES_134[2]!;
  const runner = fakeRunner({
    fail: {
      [`crictl --runtime-endpoint ${ENDPOINT} pull ${bad}`]: {
        stderr: 'E0101 pulling image: rpc error: code = NotFound\nfailed to resolve reference "x"\n',
      },
    },
  });
  const lines: string[] = [];
  const e = await assertRejects(() => pullImages(runner, ENDPOINT, IMAGES_134, (i) => lines.push(i)));
  assert(e instanceof UserError);
  assertEquals(e.message.includes("\n"), false);
  assertMatch(e.message, new RegExp(`^Failed to pull image "${bad.replaceAll(".", "\\.")}" with crictl: `));
  assertMatch(e.message, /rpc error: code = NotFound; failed to resolve reference "x"/);
  assertEquals(lines, IMAGES_134.slice(0, 2));
  assertEquals(runner.calls.length, 3);
});

Deno.test("a missing crictl is one clear error and nothing is run", async () => {
  const runner = fakeRunner({ has: [] });
  const e = await assertRejects(() => pullImages(runner, ENDPOINT, IMAGES_134, () => {}), /crictl not found/);
  assert(e instanceof UserError);
  assertMatch(
    e.message,
    /^Failed to pull image "registry\.k8s\.io\/kube-apiserver:v1\.34\.7": crictl not found/,
  );
  assertEquals(runner.calls, []);
});

Deno.test("the dockershim socket (v1.20 - v1.23) pulls with docker, as kubeadm's DockerRuntime", async () => {
  const images = imageList(referenceConfig("v1.20.2"), minorInfo(20));
  const runner = fakeRunner({ has: ["docker"] });
  await pullImages(runner, "/var/run/dockershim.sock", images, () => {});
  assertEquals(runner.calls, images.map((i) => `docker pull ${i}`));
});

// --- preflight: the ImagePull report ---

function inspect(image: string): string {
  return `crictl --runtime-endpoint unix:///run/containerd/containerd.sock inspecti -q ${image}`;
}

async function preflight(
  host: FakeHostOptions,
  dryRun = false,
): Promise<{ out: string[]; calls: string[] }> {
  const cfg = V134;
  const h = fakePreflightHost({
    ...host,
    commands: { "kubelet --version": { stdout: "Kubernetes v1.34.7\n" }, ...host.commands },
  });
  const out: string[] = [];
  const ctx = {
    ...testContext({ cfg, root: "/nonexistent", keys: testKeySource(), dryRun }),
    log: { info: (l: string) => out.push(`O ${l}`), warn: (l: string) => out.push(`E ${l}`) },
  };
  await makePreflightPhase(() => h).run!(ctx);
  return { out, calls: h.calls };
}

Deno.test("preflight warns once about the images missing locally, naming them", async () => {
  const [a, , c] = IMAGES_134;
  const missing: Record<string, Partial<RunResult>> = {
    [inspect(a!)]: { code: 1, stderr: "no such image" },
    [inspect(c!)]: { code: 1 },
  };
  const r = await preflight({ commands: missing });
  assertEquals(r.out, [
    "O [preflight] Running pre-flight checks",
    "E \t[WARNING ImagePull]: images not present locally (kadm does not pull during init yet; run " +
    `'kadm config images pull'): ${a}, ${c}`,
  ]);
  assertEquals(r.calls.filter((l) => l.includes(" inspecti ")), IMAGES_134.map(inspect));
});

Deno.test("preflight says nothing about images when all are present, crictl is absent, or in dry-run", async () => {
  const present = await preflight({});
  assertEquals(present.out, ["O [preflight] Running pre-flight checks"]);
  const noCrictl = await preflight({
    binaries: DEFAULT_BINARIES.filter((b) => b !== "crictl"),
    commands: { [inspect(IMAGES_134[0]!)]: { code: 1 } },
  });
  assertNotMatch(noCrictl.out.join("\n"), /ImagePull/);
  assertEquals(noCrictl.calls.filter((l) => l.includes("inspecti")), []);
  const dry = await preflight({ commands: { [inspect(IMAGES_134[0]!)]: { code: 1 } } }, true);
  assertNotMatch(dry.out.join("\n"), /ImagePull/);
  assertEquals(dry.calls.filter((l) => l.includes("inspecti")), []);
});

Deno.test("missingImages asks docker for the dockershim socket", async () => {
  const h = fakePreflightHost({ binaries: ["docker"], commands: { "docker inspect img:1": { code: 1 } } });
  assertEquals(await missingImages(h, "/var/run/dockershim.sock", ["img:1", "img:2"]), ["img:1"]);
  assertEquals(h.calls, ["docker inspect img:1", "docker inspect img:2"]);
});

// --- the command, end to end with a fake crictl on PATH ---

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function kadmWithPath(args: string[], path: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    env: { NO_COLOR: "1", PATH: path },
    clearEnv: true,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("kadm config images pull prints a line per image, and fails cleanly on a bad pull", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kadm-pull-" });
  try {
    const log = join(dir, "calls.log");
    await Deno.writeTextFile(
      join(dir, "crictl"),
      `#!/bin/sh\necho "$*" >> '${log}'\ncase "$*" in *etcd*) echo "pull access denied for etcd" >&2; exit 1;; esac\n`,
      { mode: 0o755 },
    );
    const args = ["config", "images", "pull", "--kubernetes-version", "v1.34.7", "--cri-socket"];
    const r = await kadmWithPath([...args, "/run/containerd/containerd.sock"], dir);
    assert(r.code !== 0, r.stdout);
    const images = IMAGES_134.filter((i) => !i.includes("etcd"));
    const before = IMAGES_134.slice(0, IMAGES_134.findIndex((i) => i.includes("etcd")));
    assertEquals(r.stdout, before.map((i) => `[config/images] Pulled ${i}\n`).join(""));
    assertMatch(
      r.stderr,
      /^error: Failed to pull image "registry\.k8s\.io\/etcd:[^"]+" with crictl: pull access denied for etcd; /,
    );
    assertNotMatch(r.stderr, /    at /);
    const calls = (await Deno.readTextFile(log)).trim().split("\n");
    assertEquals(calls[0], `--runtime-endpoint unix:///run/containerd/containerd.sock pull ${images[0]}`);

    const none = await kadmWithPath([...args, "unix:///x.sock"], join(dir, "empty"));
    assert(none.code !== 0);
    assertMatch(
      none.stderr,
      /^error: Failed to pull image "[^"]+": crictl not found in \$PATH: install cri-tools/,
    );
    assertEquals(none.stderr.trim().split("\n").length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
