/**
 * `kadm reset` and `kadm reset phase <name>`: flags -> what init left on this host (the kubeadm-config
 * ConfigMap when the API server answers, else the static Pod manifests' image tags, else kadm's
 * default version) -> ResetContext -> the reset phases of that minor. `--config F` reads a v1beta4
 * ResetConfiguration (its values, flags mixed only as kubeadm allows).
 */
import { UserError } from "../lib/errors.ts";
import { consoleLogger, type Logger } from "../lib/log.ts";
import { type CommandRunner, hostname, readTextIfExists, realRunner } from "../lib/host.ts";
import { clientFromKubeconfig, type KubeClient } from "../lib/kubeapi.ts";
import { parseVersion } from "../lib/model.ts";
import { DEFAULT_KUBERNETES_VERSION, minorInfo } from "../lib/versions.ts";
import { type PreflightHost, realPreflightHost, resolveCRISocket } from "../lib/preflight/mod.ts";
import {
  criSocketFromKubeletFiles,
  parseStoredCluster,
  type StoredCluster,
  versionFromManifest,
} from "../lib/reset/plan.ts";
import { DEFAULT_CERTS_DIR, MANIFESTS_DIR, resetProfile } from "../lib/reset/profile.ts";
import { type EtcdMembersClient, type EtcdTls, httpEtcdClient } from "../lib/reset/etcd.ts";
import { isKadmGenerated } from "../lib/state.ts";
import { loadResetConfig, type ResetConfig } from "../lib/config/reset_config.ts";
import { readConfigFile } from "./config.ts";
import { dryRunRunner } from "../phases/context.ts";
import {
  type GeneratedRecord,
  type ResetContext,
  runResetPhase,
  runResetWorkflow,
  validateResetSkips,
} from "../phases/reset.ts";

type Opts = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

/** What tests (and only tests) swap: the host, stdin, the record of generated files, etcd. */
export interface ResetDeps {
  readonly log?: Logger;
  readonly runner?: CommandRunner;
  readonly host?: PreflightHost;
  readonly ask?: (prompt: string) => Promise<string | undefined>;
  readonly generated?: GeneratedRecord;
  readonly etcdClient?: (endpoints: readonly string[], tls: EtcdTls) => EtcdMembersClient;
  readonly nodeName?: string;
}

/** kadm's record (lib/state.ts): a CA is removed only when the record says kadm generated it. */
export const stateRecord: GeneratedRecord = { isKadmGenerated };

/** Prints the prompt and reads one line from standard input; undefined on end of input. */
export async function askStdin(prompt: string): Promise<string | undefined> {
  await Deno.stdout.write(new TextEncoder().encode(prompt));
  const buf = new Uint8Array(1);
  const bytes: number[] = [];
  for (;;) {
    const n = await Deno.stdin.read(buf).catch(() => null);
    if (n === null || n === 0) {
      return bytes.length > 0 ? new TextDecoder().decode(new Uint8Array(bytes)) : undefined;
    }
    if (buf[0] === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes));
    bytes.push(buf[0]!);
  }
}

const API_TIMEOUT_MS = 10_000;

async function fetchStoredCluster(
  root: string,
  kubeconfig: string,
  log: Logger,
  timeoutMs: number,
): Promise<{ cluster?: StoredCluster; client?: KubeClient }> {
  const text = await readTextIfExists(root + kubeconfig);
  if (text === undefined) return {};
  let client: KubeClient;
  try {
    client = clientFromKubeconfig(text, kubeconfig, {
      readFile: (p) => Deno.readTextFileSync(root + p),
      timeoutMs,
    });
  } catch {
    return {};
  }
  try {
    const cm = await client.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "kube-system",
      name: "kubeadm-config",
    });
    const stored = (cm as { data?: Record<string, string> }).data?.ClusterConfiguration;
    const cluster = stored === undefined ? undefined : parseStoredCluster(stored);
    if (!cluster) throw new Error("the ConfigMap has no readable ClusterConfiguration");
    return { cluster, client };
  } catch (e) {
    log.warn(`[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: ${(e as Error).message}`);
    client.close();
    return {};
  }
}

/** The Kubernetes version of the control-plane images in the static Pod manifests under `root`, if any. */
export async function versionFromManifests(root: string): Promise<string | undefined> {
  for (const c of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
    const text = await readTextIfExists(`${root}${MANIFESTS_DIR}/${c}.yaml`);
    const v = text === undefined ? undefined : versionFromManifest(text);
    if (v) return v;
  }
  return undefined;
}

/** kubeadm's ValidateMixedArguments: with --config only these flags (and --skip-*) may be given. */
const MIXABLE = [
  "config",
  "ignorePreflightErrors",
  "dryRun",
  "kubeconfig",
  "rootfs",
  "skipPhases",
  "skipPreflightChecks",
];
const FLAG_NAMES: Readonly<Record<string, string>> = {
  certDir: "cert-dir",
  cleanupTmpDir: "cleanup-tmp-dir",
  criSocket: "cri-socket",
  force: "force",
};

async function resetConfigFrom(o: Opts, log: Logger): Promise<ResetConfig | undefined> {
  const path = str(o.config);
  if (path === undefined) return undefined;
  const mixed = Object.keys(o).filter((k) => o[k] !== undefined && !MIXABLE.includes(k));
  if (mixed.length > 0) {
    throw new UserError(
      `Can not mix '--config' with arguments [${
        mixed.map((k) => FLAG_NAMES[k] ?? k).join(" ")
      }]: set them in the ResetConfiguration instead`,
    );
  }
  const { cfg, warnings } = loadResetConfig(await readConfigFile(path), path);
  for (const w of warnings) log.warn(`W: ${w}`);
  return cfg;
}

async function buildContext(o: Opts, deps: ResetDeps): Promise<{ ctx: ResetContext; skips: string[] }> {
  const log = deps.log ?? consoleLogger();
  const rc = await resetConfigFrom(o, log);
  const rootfs = str(o.rootfs);
  const root = rootfs
    ? await Deno.realPath(rootfs).catch(() => {
      throw new UserError(`Invalid value for --rootfs: "${rootfs}" is not an existing folder`);
    })
    : "";
  const dryRun = o.dryRun === true || (o.dryRun === undefined && rc?.dryRun === true);
  const kubeconfig = str(o.kubeconfig) ?? "/etc/kubernetes/admin.conf";
  const apiTimeoutMs = rc?.kubernetesAPICall !== undefined ? rc.kubernetesAPICall * 1000 : API_TIMEOUT_MS;
  const { cluster, client } = await fetchStoredCluster(root, kubeconfig, log, apiTimeoutMs);
  const version = cluster?.kubernetesVersion ?? await versionFromManifests(root) ??
    DEFAULT_KUBERNETES_VERSION;
  const v = parseVersion(version);
  if (!v) throw new UserError(`Invalid Kubernetes version "${version}" found on this host`);
  const info = minorInfo(v.minor);
  const profile = resetProfile(info);
  if (cluster) {
    if (v.minor <= 28) {
      log.info("[reset] Reading configuration from the cluster...");
      log.info(
        "[reset] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'",
      );
    } else {
      log.info(
        '[reset] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...',
      );
      log.info("[reset] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.");
    }
  }
  const cleanupTmpDir = o.cleanupTmpDir === true || rc?.cleanupTmpDir === true;
  if (cleanupTmpDir && !profile.cleanupTmpDirFlag) {
    log.warn(
      `W: --cleanup-tmp-dir is ignored: kubeadm v1.${v.minor} reset has no such flag (added in v1.26)`,
    );
  }
  const host = deps.host ?? realPreflightHost(root);
  const criSocket = str(o.criSocket) ?? rc?.criSocket ??
    criSocketFromKubeletFiles(
      await readTextIfExists(`${root}/var/lib/kubelet/instance-config.yaml`),
      await readTextIfExists(`${root}/var/lib/kubelet/kubeadm-flags.env`),
    ) ??
    await resolveCRISocket("", info, (p) => host.isSocket(p));
  const ignore = [
    ...strs(o.ignorePreflightErrors),
    ...(rc?.ignorePreflightErrors ?? []),
    ...(o.skipPreflightChecks === true ? ["all"] : []),
  ];
  const ctx: ResetContext = {
    version,
    profile,
    dryRun,
    force: o.force === true || rc?.force === true,
    cleanupTmpDir,
    root,
    certsDir: str(o.certDir) ?? rc?.certificatesDir ?? cluster?.certificatesDir ?? DEFAULT_CERTS_DIR,
    criSocket,
    cluster,
    client,
    nodeName: deps.nodeName ?? hostname(),
    ignorePreflightErrors: ignore,
    log,
    runner: deps.runner ?? (dryRun ? dryRunRunner(log) : realRunner),
    host,
    ask: deps.ask ?? askStdin,
    generated: deps.generated ?? stateRecord,
    etcdClient: deps.etcdClient ??
      ((eps, tls) =>
        httpEtcdClient(eps, tls, rc?.etcdAPICall !== undefined ? rc.etcdAPICall * 1000 : undefined)),
    statefulDirs: [],
    umountArgs: rc?.umountArgs ?? [],
  };
  const skips = strs(o.skipPhases).length > 0 ? strs(o.skipPhases) : [...(rc?.skipPhases ?? [])];
  return { ctx, skips: validateResetSkips(profile, skips) };
}

export async function runReset(o: Opts, deps: ResetDeps = {}): Promise<void> {
  const { ctx, skips } = await buildContext(o, deps);
  try {
    await runResetWorkflow(ctx, skips);
  } finally {
    ctx.client?.close();
  }
}

export async function runResetPhaseCmd(name: string, o: Opts, deps: ResetDeps = {}): Promise<void> {
  const { ctx } = await buildContext(o, deps);
  try {
    await runResetPhase(ctx, name);
  } finally {
    ctx.client?.close();
  }
}
