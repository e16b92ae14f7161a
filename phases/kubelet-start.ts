/**
 * Phase `kubelet-start`: writes the kubelet's files and (re)starts it.
 * Inputs: nodeRegistration (name, criSocket, kubeletExtraArgs), the user's KubeletConfiguration,
 * networking (clusterDNS, clusterDomain), certificatesDir, patchesDirectory (target
 * "kubeletconfiguration", v1.25+; then instance-config.yaml is applied as a patch, as kubeadm does).
 * Outputs: /var/lib/kubelet/kubeadm-flags.env, /var/lib/kubelet/config.yaml (0644, folder 0700),
 * /var/lib/kubelet/instance-config.yaml (minors with NodeLocalCRISocket), with the DynamicKubeletConfig
 * gate (v1.20-v1.23) the same config as /var/lib/kubelet/config/init/kubelet (0644) and the kubelet flags
 * --dynamic-config-dir (and, v1.22+, --feature-gates=DynamicKubeletConfig=true), the systemd drop-in
 * /etc/systemd/system/kubelet.service.d/10-kubeadm.conf only where no drop-in exists, then
 * `systemctl daemon-reload && systemctl restart kubelet` where systemd runs (a warning elsewhere).
 * Re-runs: a file that differs from the config is replaced atomically and the difference printed.
 */
import {
  KUBELET_DROPIN,
  type KubeletHostFacts,
  renderInstanceConfig,
  renderKubeletFlagsEnv,
} from "../lib/kubelet.ts";
import { resolveCRISocket } from "../lib/preflight/cri.ts";
import { DYNAMIC_INIT_CONFIG, dynamicKubeletConfig, withDynamicKubeletArgs } from "../lib/dynamic_kubelet.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";
import { kubeletConfigYaml } from "./patches.ts";
import { writeRendered } from "./manifest-files.ts";

async function kubeletHostFacts(ctx: InitContext): Promise<KubeletHostFacts> {
  return {
    hostname: ctx.hostname,
    systemdResolved: await ctx.hostPathExists("/run/systemd/resolve/resolv.conf"),
  };
}

const DROPIN_DIRS = ["/etc/systemd/system/kubelet.service.d", "/usr/lib/systemd/system/kubelet.service.d"];

async function hasDropIn(ctx: InitContext): Promise<boolean> {
  for (const dir of DROPIN_DIRS) {
    try {
      for await (const e of Deno.readDir(ctx.dryRun ? ctx.paths.hostRoot + dir : onDisk(ctx, dir))) {
        if (e.name.endsWith(".conf")) return true;
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return false;
}

async function restartKubelet(ctx: InitContext): Promise<void> {
  if (ctx.dryRun) {
    ctx.log.info("[dryrun] Would restart the kubelet (systemctl daemon-reload && systemctl restart kubelet)");
    return;
  }
  ctx.log.info("[kubelet-start] Starting the kubelet");
  const systemd = await ctx.hostPathExists("/run/systemd/system");
  const fail = (why: string) => {
    ctx.log.warn(`[kubelet-start] WARNING: unable to start the kubelet service: [${why}]`);
    ctx.log.warn("[kubelet-start] Please ensure kubelet is reloaded and running manually.");
  };
  if (!systemd) return fail("systemd is not running on this host");
  for (const args of [["daemon-reload"], ["restart", "kubelet"]]) {
    const r = await ctx.runner.run("systemctl", args);
    if (r.code !== 0) return fail(`systemctl ${args.join(" ")}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  }
}

export const kubeletStartPhase: Phase = {
  name: "kubelet-start",
  short: "Write kubelet settings and (re)start the kubelet",
  async run(ctx) {
    const socket = await resolveCRISocket(ctx.cfg.nodeRegistration.criSocket, ctx.minor, ctx.hostPathExists);
    const host = await kubeletHostFacts(ctx);
    const dir = ctx.paths.kubeletDir;
    const opts = { mode: 0o644, dirMode: 0o700 };
    if (!ctx.dryRun && await ctx.hostPathExists("/run/systemd/system")) {
      // kubeadm stops the kubelet before rewriting its files so it never reads a half-updated set.
      await ctx.runner.run("systemctl", ["stop", "kubelet"]);
    }
    const write = (hostPath: string, text: string, o = opts) =>
      writeRendered(
        ctx,
        hostPath,
        text,
        o,
        `[kubelet-start] Updated "${hostPath}" (it differed from the config)`,
      );
    const flagsPath = onDisk(ctx, `${dir}/kubeadm-flags.env`);
    ctx.log.info(`[kubelet-start] Writing kubelet environment file with flags to file "${flagsPath}"`);
    const flagsCfg = withDynamicKubeletArgs(ctx.cfg, ctx.minor);
    await write(`${dir}/kubeadm-flags.env`, renderKubeletFlagsEnv(flagsCfg, ctx.minor, socket, host));
    const instance = renderInstanceConfig(ctx.cfg, ctx.minor, socket);
    if (instance !== undefined) {
      const p = onDisk(ctx, `${dir}/instance-config.yaml`);
      ctx.log.info(`[kubelet-start] Writing kubelet configuration to file "${p}"`);
      await write(`${dir}/instance-config.yaml`, instance);
    }
    const configPath = onDisk(ctx, `${dir}/config.yaml`);
    const config = kubeletConfigYaml(ctx, host, instance); // prints the [patches] lines first
    ctx.log.info(`[kubelet-start] Writing kubelet configuration to file "${configPath}"`);
    await write(`${dir}/config.yaml`, config);
    if (dynamicKubeletConfig(ctx.cfg, ctx.minor)) {
      const p = onDisk(ctx, `${dir}/${DYNAMIC_INIT_CONFIG}`);
      ctx.log.info(
        `[kubelet-start] Writing the initial kubelet configuration for Dynamic Kubelet Config to "${p}"`,
      );
      await write(`${dir}/${DYNAMIC_INIT_CONFIG}`, config);
    }
    if (!(await hasDropIn(ctx))) {
      const hostPath = `${ctx.paths.kubeletDropInDir}/10-kubeadm.conf`, p = onDisk(ctx, hostPath);
      ctx.log.info(
        `[kubelet-start] Writing the kubelet systemd drop-in to "${p}" (no drop-in was installed)`,
      );
      await write(hostPath, KUBELET_DROPIN, { mode: 0o644, dirMode: 0o755 });
    }
    await restartKubelet(ctx);
  },
};
