/**
 * README's cloud-init automation (a token made with `kadm token generate` before any machine boots, and
 * optionally a pre-generated CA), judged by real consumers: kadm processes, sh, openssl, kubectl, the YAML
 * parser and kadm's own `--help`. The snippets come from README.md once it holds the section, else from the
 * note it is pasted from.
 */
import { join } from "node:path";
import { parseDocument } from "yaml";
import { assert, assertEquals, assertMatch } from "./_std.ts";
import { assertFileMode, run, tempDir } from "./_assert.ts";
import { kadmSubprocess, opensslCaHash } from "./support/e2e.ts";

const TOKEN_RE = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const HEADING = "## Automating a cluster with cloud-init";
const README = new URL("../README.md", import.meta.url);
const NOTE = new URL("../../notes/readme-automation.md", import.meta.url);
const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** What every dry-run here adds: no host checks, a fixed node name. */
const DRY = ["--ignore-preflight-errors", "all", "--node-name", "m1"] as const;

/** Flags of real kubeadm v1.34 (cmd/kubeadm/app/cmd/join.go, reset.go, plus the runner's and global ones). */
const KUBEADM_FLAGS: Readonly<Record<string, readonly string[]>> = {
  join: [
    "--apiserver-advertise-address --apiserver-bind-port --certificate-key --config --control-plane --cri-socket",
    "--discovery-file --discovery-token --discovery-token-ca-cert-hash --discovery-token-unsafe-skip-ca-verification",
    "--dry-run --ignore-preflight-errors --node-name --patches --skip-phases --tls-bootstrap-token --token --rootfs",
  ].join(" ").split(" "),
  reset: [
    "--cert-dir --cleanup-tmp-dir --config --cri-socket --dry-run -f --force --ignore-preflight-errors",
    "--kubeconfig --skip-phases --rootfs",
  ].join(" ").split(" "),
};

// ---------------------------------------------------------------- the documented section

async function section(): Promise<string> {
  const readme = await Deno.readTextFile(README);
  const source = readme.includes(HEADING) ? readme : await Deno.readTextFile(NOTE);
  const start = source.indexOf(HEADING);
  assert(start >= 0, `"${HEADING}" is neither in README.md nor in ${NOTE.pathname}`);
  const end = source.indexOf("\n## ", start + 1);
  return source.slice(start, end < 0 ? undefined : end);
}

function fenced(text: string, lang: string): string[] {
  return [...text.matchAll(/^```(\w*)\n([^]*?)^```$/gm)].filter((m) => m[1] === lang).map((m) => m[2]!);
}

/** The single fenced block of a language that contains a marker. */
function block(text: string, lang: string, marker: string): string {
  const found = fenced(text, lang).filter((b) => b.includes(marker));
  assertEquals(found.length, 1, `expected one \`\`\`${lang} block with "${marker}"`);
  return found[0]!;
}

interface WriteFile {
  readonly path: string;
  readonly permissions?: string;
  readonly content: string;
}
interface CloudConfig {
  readonly write_files?: readonly WriteFile[];
  readonly runcmd?: readonly string[];
}

function cloudConfig(yaml: string): CloudConfig {
  assertEquals(yaml.split("\n")[0], "#cloud-config", "user-data must start with #cloud-config");
  const doc = parseDocument(yaml, { prettyErrors: false });
  assertEquals(doc.errors.map((e) => e.message), [], "user-data is not valid YAML");
  const cfg = doc.toJS() as CloudConfig;
  assert(cfg && typeof cfg === "object", "user-data is not a mapping");
  return cfg;
}

/** Command lines (as words) that start with `tool` in a text: continuations joined, comments dropped. */
function commands(text: string, tool: string): string[][] {
  const out: string[][] = [];
  for (const raw of text.replaceAll(/\\\n\s*/g, " ").split("\n")) {
    const line = raw.replace(/\s#.*$/, "");
    for (
      const m of line.matchAll(
        new RegExp(`(?:^|[\\s"'(])(?:/usr/(?:local/)?bin/)?${tool}\\s+([^;&|)]*)`, "g"),
      )
    ) {
      const words = m[1]!.trim().split(/\s+/).map((w) => w.replace(/^["']|["']$/g, ""));
      if (/^[a-z][a-z-]*$/.test(words[0] ?? "")) out.push(words); // not prose such as "kubeadm join: ..."
    }
  }
  return out;
}

/** Every kadm / kubeadm command of the section: fenced blocks and inline code. */
function allCommands(text: string, tool: string): string[][] {
  const blocks = [...text.matchAll(/^```\w*\n([^]*?)^```$/gm)].map((m) => m[1]!);
  const prose = text.replaceAll(/^```\w*\n[^]*?^```$/gm, "");
  const inline = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replaceAll(/\s+/g, " "));
  return [...blocks, ...inline].flatMap((t) => commands(t, tool));
}

// ---------------------------------------------------------------- helpers

/** The worker join command at the end of `kadm init`: endpoint and flag values. */
function joinCommand(stdout: string): { endpoint: string; flags: Map<string, string[]> } {
  const at = stdout.lastIndexOf("kubeadm join ");
  assert(at >= 0, "no join command printed");
  const words = stdout.slice(at).replaceAll(/\\\n\s*/g, " ").replace("<value withheld>", "<value-withheld>")
    .split("\n")[0]!.trim().split(/\s+/).slice(2);
  const flags = new Map<string, string[]>();
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith("--")) continue;
    const value = words[i + 1]?.startsWith("--") === false ? words[++i]! : "";
    flags.set(w, [...(flags.get(w) ?? []), value]);
  }
  return { endpoint: words[0]!, flags };
}

async function kadmOk(args: readonly string[]): Promise<string> {
  const r = await kadmSubprocess(args);
  assertEquals(r.code, 0, `kadm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** A folder whose `kadm` runs this checkout, so README's shell lines run as written. */
async function kadmOnPath(dir: string): Promise<string> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    join(bin, "kadm"),
    `#!/bin/sh\nexec '${Deno.execPath()}' run -A '${MAIN}' "$@"\n`,
    {
      mode: 0o755,
    },
  );
  return `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
}

async function sh(script: string, cwd: string, path: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command("sh", {
    args: ["-c", script],
    cwd,
    env: { PATH: path, NO_COLOR: "1", ...env },
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// ---------------------------------------------------------------- kadm's side of the flow

Deno.test("kadm token generate prints one bootstrap token and nothing else, a new one each time", async () => {
  const [a, b] = await Promise.all([kadmOk(["token", "generate"]), kadmOk(["token", "generate"])]);
  assertEquals(a.split("\n"), [a.trim(), ""]);
  assertMatch(a.trim(), TOKEN_RE);
  assertMatch(b.trim(), TOKEN_RE);
  assert(a !== b, "two generated tokens are equal");
});

Deno.test("a token from kadm token generate given to kadm init --token is exactly the join command's token", async () => {
  await using dir = await tempDir();
  const token = (await kadmOk(["token", "generate"])).trim();
  const out = await kadmOk([
    "init",
    "--dry-run",
    "--dry-run-dir",
    dir.path,
    "--token",
    token,
    "--apiserver-advertise-address",
    "10.0.0.10",
    "--kubernetes-version",
    "v1.34.7",
    ...DRY,
  ]);
  const { endpoint, flags } = joinCommand(out);
  assertEquals(endpoint, "10.0.0.10:6443");
  assertEquals(flags.get("--token"), [token]);
  assertMatch(out, new RegExp(`name: bootstrap-token-${token.split(".")[0]}\\n`));
});

Deno.test("a CA pre-generated as README shows pins the join command: its hash is README's openssl hash", async () => {
  await using dir = await tempDir();
  const path = await kadmOnPath(dir.path);
  const r = await sh(block(await section(), "sh", "phase certs ca"), dir.path, path);
  assertEquals(r.code, 0, r.stderr);
  const caHash = r.stdout.trim().split("\n").at(-1)!;
  assertMatch(caHash, /^sha256:[0-9a-f]{64}$/);
  assertEquals(caHash, await opensslCaHash(join(dir.path, "pki/ca.crt")));
  await assertFileMode(join(dir.path, "pki/ca.key"), 0o600);

  // The dry-run copies the existing CA of the real --cert-dir into its own folder and signs with it.
  const out = await kadmOk([
    "init",
    "--dry-run",
    "--cert-dir",
    join(dir.path, "pki"),
    "--token",
    "abcdef.0123456789abcdef",
    "--apiserver-advertise-address",
    "10.0.0.10",
    ...DRY,
  ]);
  assertMatch(out, /^\[dryrun\] Using the existing ca of .*\/pki \(copied into the dry-run folder\)$/m);
  assertMatch(out, /^\[certs\] Using existing ca certificate authority$/m);
  assertEquals(joinCommand(out).flags.get("--discovery-token-ca-cert-hash"), [caHash]);
});

Deno.test("README's discovery kubeconfig holds the master's address and only the CA certificate", async () => {
  await using dir = await tempDir();
  const path = await kadmOnPath(dir.path);
  const text = await section();
  for (const script of [block(text, "sh", "phase certs ca"), block(text, "sh", "kubectl config")]) {
    const r = await sh(script, dir.path, path);
    assertEquals(r.code, 0, r.stderr);
  }
  const conf = join(dir.path, "discovery.conf");
  const view = await run("kubectl", ["config", "view", "--raw", "-o", "json", "--kubeconfig", conf]);
  assertEquals(view.code, 0, view.stderr);
  const cfg = JSON.parse(view.stdout);
  assertEquals(cfg.clusters.length, 1);
  assertEquals(cfg.clusters[0].cluster.server, "https://10.0.0.10:6443");
  const ca = atob(cfg.clusters[0].cluster["certificate-authority-data"]);
  assertEquals(ca, await Deno.readTextFile(join(dir.path, "pki/ca.crt")));
  assertEquals(cfg.users ?? [], []);
  assertEquals(cfg["current-context"], "kubernetes");
});

// ---------------------------------------------------------------- README's snippets

Deno.test("README's cloud-init snippets are #cloud-config YAML and files holding a secret are owner-only", async () => {
  const blocks = fenced(await section(), "yaml");
  assert(blocks.length >= 3, "expected the master, worker and CA user-data");
  for (const yaml of blocks) {
    for (const f of cloudConfig(yaml).write_files ?? []) {
      assert(typeof f.path === "string" && typeof f.content === "string", `write_files entry ${f.path}`);
      if (/[a-z0-9]{6}\.[a-z0-9]{16}|PRIVATE KEY/.test(f.content)) {
        assertMatch(f.permissions ?? "", /^0[67]00$/, `${f.path} holds a secret: permissions must be 0600`);
      }
    }
  }
});

Deno.test("every kadm command in README's automation section uses only flags its --help lists", async () => {
  const cmds = allCommands(await section(), "kadm");
  assert(cmds.length >= 6, `found only ${cmds.length} kadm commands`);
  const helps = new Map<string, Promise<{ usage: string[]; args: boolean; flags: Set<string> }>>();
  const help = async (words: string[]) => {
    const out = await kadmOk([...words, "--help"]);
    const usage = /^Usage: kadm (.*)$/m.exec(out)?.[1] ?? "";
    const path = usage.split(" ").filter((w) => /^[a-z][a-z-]*$/.test(w));
    const rest = usage.replace(/^[a-z -]*/, "").replaceAll(/\[(options|command)\]/g, "").trim();
    const opts = out.slice(out.indexOf("\nOptions:\n")).split("\n").slice(2);
    const end = opts.findIndex((l) => !l.startsWith(" "));
    const flags = new Set(
      opts.slice(0, end < 0 ? undefined : end).flatMap((l) => {
        const m = /^\s{2}(?:-\w, )?(--[a-z0-9-]+)/.exec(l);
        return m ? [m[1]!] : [];
      }),
    );
    return { usage: path, args: rest !== "", flags };
  };
  const leading = (cmd: string[]) => {
    const firstFlag = cmd.findIndex((w) => w.startsWith("-"));
    return firstFlag < 0 ? cmd : cmd.slice(0, firstFlag);
  };
  for (const words of cmds.map(leading)) {
    if (!helps.has(words.join(" "))) helps.set(words.join(" "), help(words));
  }
  for (const cmd of cmds) {
    const words = leading(cmd);
    const h = await helps.get(words.join(" "))!;
    const line = `kadm ${cmd.join(" ")}`;
    assertEquals(words.slice(0, h.usage.length), h.usage, `${line}: not a kadm command`);
    assert(
      words.length === h.usage.length || h.args,
      `${line}: "kadm ${h.usage.join(" ")}" takes no argument`,
    );
    for (const w of cmd.filter((w) => w.startsWith("-"))) {
      assert(h.flags.has(w.split("=")[0]!), `${line}: kadm ${h.usage.join(" ")} has no flag ${w}`);
    }
  }
});

Deno.test("every kubeadm command in README's automation section uses only flags real kubeadm has", async () => {
  const text = await section();
  const cmds = allCommands(text, "kubeadm");
  assert(cmds.some((c) => c.includes("--discovery-token-unsafe-skip-ca-verification")));
  assert(cmds.some((c) => c.includes("--discovery-file")));
  for (const [verb, ...rest] of cmds) {
    const known = KUBEADM_FLAGS[verb!];
    assert(known, `kubeadm ${verb}: not a command README should need`);
    for (const w of rest.filter((w) => w.startsWith("-"))) {
      assert(known.includes(w.split("=")[0]!), `kubeadm ${verb} has no flag ${w}`);
    }
  }
  // Flags named on their own in the prose (e.g. the CA pin replacing the unsafe flag) are join flags.
  const named = [...text.matchAll(/`(--(?:discovery|tls)-[a-z-]+)/g)].map((m) => m[1]!);
  assert(named.includes("--discovery-token-ca-cert-hash"));
  for (const flag of named) assert(KUBEADM_FLAGS.join!.includes(flag), `kubeadm join has no flag ${flag}`);
});

Deno.test("every kadm init of README's user-data runs in a dry-run and prints the join command for 10.0.0.10", async () => {
  const masters = fenced(await section(), "yaml").map(cloudConfig).filter((c) =>
    (c.runcmd ?? []).some((l) => /(^|\s)kadm init/.test(l))
  );
  assertEquals(masters.length, 2, "expected the master user-data with a config file and with flags");
  await Promise.all(masters.map(async (cfg, i) => {
    await using dir = await tempDir();
    const files = new Map<string, string>();
    for (const f of cfg.write_files ?? []) {
      if (!f.path.startsWith("/etc/kubernetes/pki/")) { // the CA's placeholders: the CA test covers it
        files.set(f.path, join(dir.path, `file-${files.size}`));
        await Deno.writeTextFile(files.get(f.path)!, f.content);
      }
    }
    const line = cfg.runcmd!.find((l) => /(^|\s)kadm init/.test(l))!;
    const args = commands(line, "kadm")[0]!.map((w) => files.get(w) ?? w);
    const out = await kadmOk([...args, "--dry-run", "--dry-run-dir", join(dir.path, `root-${i}`), ...DRY]);
    const { endpoint, flags } = joinCommand(out);
    assertEquals(endpoint, "10.0.0.10:6443");
    assertEquals(flags.get("--token"), ["<value-withheld>"], "--skip-token-print withholds the token");
    assertMatch(out, /name: bootstrap-token-9a08jv\n/);
  }));
});

// ---------------------------------------------------------------- the worker's retry loop

/** Runs README's worker join script with a fake kubeadm failing `fails` joins, and a sleep that does not. */
async function runJoinScript(fails: number) {
  await using dir = await tempDir();
  const worker = fenced(await section(), "yaml").map(cloudConfig).find((c) =>
    (c.write_files ?? []).some((f) => f.content.includes("kubeadm join"))
  );
  const script = worker?.write_files?.find((f) => f.content.includes("kubeadm join"));
  assert(script && worker?.runcmd?.includes(script.path), "the worker user-data runs its join script");
  assertMatch(script.content, /^#!\/bin\/sh\n/);
  const bin = join(dir.path, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    join(bin, "kubeadm"),
    [
      "#!/bin/sh",
      'echo "$*" >> "$FAKE_DIR/calls"',
      '[ "$1" = join ] || exit 0',
      'n=$(( $(cat "$FAKE_DIR/joins" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$FAKE_DIR/joins"',
      '[ "$n" -gt "$FAKE_FAILS" ] && exit 0',
      'echo "error execution phase preflight: couldn\'t validate the identity of the API Server" >&2',
      "exit 1",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  await Deno.writeTextFile(join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  await Deno.writeTextFile(join(dir.path, "join-cluster"), script.content);
  const r = await sh("sh ./join-cluster", dir.path, `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`, {
    FAKE_DIR: dir.path,
    FAKE_FAILS: String(fails),
  });
  const calls = (await Deno.readTextFile(join(dir.path, "calls"))).trim().split("\n");
  return { code: r.code, stderr: r.stderr, calls };
}

const JOIN =
  "join 10.0.0.10:6443 --token 9a08jv.c0izixklcxtmnze7 --discovery-token-unsafe-skip-ca-verification";

Deno.test("the worker's join script resets and retries a failed join until it succeeds", async () => {
  const r = await runJoinScript(2);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.calls, [JOIN, "reset -f", JOIN, "reset -f", JOIN]);
  assertMatch(r.stderr, /attempt 2 failed/);
});

Deno.test("the worker's join script gives up with a failure after 12 attempts", async () => {
  const r = await runJoinScript(1000);
  assertEquals(r.code, 1);
  assertEquals(r.calls.filter((c) => c === JOIN).length, 12);
});
