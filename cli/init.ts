/**
 * `kadm init` and `kadm init phase <name>`: flags -> config -> context -> phase runner.
 */
import {
  type InitFlags,
  type LoadedInit,
  loadInitConfig,
  loadInitConfigFile,
  realHostFacts,
} from "../lib/config/mod.ts";
import { consoleLogger, type Logger } from "../lib/log.ts";
import { createInitContext } from "../phases/context.ts";
import { initPhases } from "../phases/mod.ts";
import { runAll, runSelected, validateSkips } from "../phases/runner.ts";
import { printJoinBanner } from "../phases/showjoin.ts";
import type { InitContext } from "../phases/types.ts";
import { minorOf } from "../lib/model.ts";
import { minorInfo } from "../lib/versions.ts";

type Opts = Record<string, unknown>;

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
const bool = (v: unknown) => (v === true ? true : undefined);

/** Commander's options -> the loader's flags (undefined = not given). */
export function toInitFlags(o: Opts): InitFlags {
  return {
    apiserverAdvertiseAddress: str(o.apiserverAdvertiseAddress),
    apiserverBindPort: str(o.apiserverBindPort),
    apiserverCertExtraSans: strs(o.apiserverCertExtraSans),
    certDir: str(o.certDir),
    controlPlaneEndpoint: str(o.controlPlaneEndpoint),
    criSocket: str(o.criSocket),
    featureGates: str(o.featureGates),
    ignorePreflightErrors: strs(o.ignorePreflightErrors),
    imageRepository: str(o.imageRepository),
    kubernetesVersion: str(o.kubernetesVersion),
    nodeName: str(o.nodeName),
    podNetworkCidr: str(o.podNetworkCidr),
    serviceCidr: str(o.serviceCidr),
    serviceDnsDomain: str(o.serviceDnsDomain),
    token: str(o.token),
    tokenTtl: str(o.tokenTtl),
    skipPhases: strs(o.skipPhases),
    patches: str(o.patches) ?? str(o.experimentalPatches),
    certificateKey: str(o.certificateKey),
    uploadCerts: bool(o.uploadCerts),
    skipTokenPrint: bool(o.skipTokenPrint),
    skipCertificateKeyPrint: bool(o.skipCertificateKeyPrint),
    skipPreflightChecks: bool(o.skipPreflightChecks),
    dryRun: bool(o.dryRun),
  };
}

export function loadFromOptions(o: Opts, log: Logger): Promise<LoadedInit> {
  return loadOptions(o, log);
}

async function loadOptions(o: Opts, log: Logger): Promise<LoadedInit> {
  const flags = toInitFlags(o);
  const config = str(o.config);
  const host = realHostFacts();
  const loaded = config !== undefined
    ? await loadInitConfigFile(config, flags, host)
    : loadInitConfig({ flags, host });
  if (str(o.experimentalPatches) !== undefined) {
    log.warn("W: --experimental-patches is kubeadm v1.19 - v1.21's name for --patches; use --patches");
  }
  for (const w of loaded.warnings) log.warn(`W: ${w}`);
  return loaded;
}

async function prepare(
  o: Opts,
  log: Logger,
  given?: LoadedInit,
): Promise<{ ctx: InitContext }> {
  const loaded = given ?? await loadOptions(o, log);
  const ctx = await createInitContext(loaded.cfg, {
    dryRun: loaded.options.dryRun,
    dryRunDir: str(o.dryRunDir),
    kubeconfigDir: str(o.kubeconfigDir),
    ...(str(o.rootfs) ? { rootfs: str(o.rootfs)! } : {}),
    log,
    options: loaded.options,
  });
  return { ctx };
}

export async function runInit(o: Opts, log: Logger = consoleLogger()): Promise<void> {
  const loaded = await loadOptions(o, log);
  const tree = initPhases(minorInfo(minorOf(loaded.cfg.cluster)));
  const skips = validateSkips(tree, loaded.cfg.skipPhases);
  const { ctx } = await prepare(o, log, loaded);
  log.info(`[init] Using Kubernetes version: ${ctx.cfg.cluster.kubernetesVersion}`);
  await runAll(tree, ctx, skips);
  // Before v1.26 the banner was not a phase: kubeadm printed it when init finished.
  if (!ctx.minor.phaseOrder.includes("show-join-command")) await printJoinBanner(ctx);
}

export async function runInitPhase(
  words: readonly string[],
  o: Opts,
  log: Logger = consoleLogger(),
): Promise<void> {
  const { ctx } = await prepare(o, log);
  await runSelected(initPhases(ctx.minor), words, ctx);
}
