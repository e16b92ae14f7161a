/**
 * Phase `wait-control-plane`: waits until the kubelet has started the static Pods and the control plane
 * answers, as kubeadm of the minor does:
 * - v1.20 - v1.29: the API server's /healthz through admin.conf
 *   (`[apiclient] All control plane components are healthy after N seconds`), announced by
 *   `[wait-control-plane] ... from directory "X". This can take up to 4m0s`;
 * - v1.30+ (kubernetes#121958, CHANGELOG-1.30.md "v1.30.0-alpha.1"; real v1.29.0 and v1.30.2 transcripts):
 *   the announcement loses its timeout, then first the kubelet's healthz (`[kubelet-check]`; the URL is in
 *   the line from kubernetes#125265, v1.31, backported to v1.30: v1.30.3 transcripts lack it, v1.30.4 has
 *   it), then either the API server's /healthz (`[api-check]`, util/apiclient/wait.go WaitForAPI) or, with
 *   WaitForAllControlPlaneComponents, every component (`[control-plane-check]`: kube-apiserver /livez,
 *   kube-controller-manager /healthz, kube-scheduler /livez, at the addresses and ports of their manifests).
 * Progress is printed every 10 s with the elapsed time; on timeout kubeadm's troubleshooting hints.
 * Inputs: timeouts (controlPlaneComponentHealthCheck, kubeletHealthCheck), the kubelet configuration
 * (healthz address/port), component extraArgs (bind-address, secure-port). In dry-run it prints the
 * files kubeadm prints at this point and waits for nothing.
 */
import * as https from "node:https";
import { UserError } from "../lib/errors.ts";
import { gateOn } from "../lib/features.ts";
import { kubeletConfigObject } from "../lib/kubelet.ts";
import type { Arg } from "../lib/model.ts";
import { joinHostPort, lastArg } from "../lib/manifests/pod.ts";
import { readTextIfExists } from "../lib/host.ts";
import { tabIndent } from "../lib/yaml.ts";
import { healthClient } from "./api.ts";
import { poll, PollTimeout } from "./poll.ts";
import { type InitContext, onDisk, type Phase } from "./types.ts";

/** Go's time.Duration printing for whole seconds (4m0s, 40s, 1h0m0s). */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

function elapsed(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)}ms` : `${(ms / 1000).toFixed(3)}s`;
}

async function printDryRunFiles(ctx: InitContext): Promise<void> {
  const root = ctx.paths.root;
  ctx.log.info(
    `[dryrun] Wrote certificates, kubeconfig files and control plane manifests to the "${root}" directory`,
  );
  ctx.log.info(
    "[dryrun] The certificates or kubeconfig files would not be printed due to their sensitive nature",
  );
  ctx.log.info(`[dryrun] Please examine the "${root}" directory for details about what would be written`);
  const files = [
    // kubeadm prints the control-plane manifests and the kubelet files; etcd.yaml is not among them.
    ...["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((c) =>
      `${ctx.paths.manifestsDir}/${c}.yaml`
    ),
    `${ctx.paths.kubeletDir}/config.yaml`,
    `${ctx.paths.kubeletDir}/instance-config.yaml`,
    `${ctx.paths.kubeletDir}/kubeadm-flags.env`,
  ];
  for (const f of files) {
    const text = await readTextIfExists(onDisk(ctx, f));
    if (text === undefined) continue;
    ctx.log.info(`[dryrun] Would write file "${f}" with content:`);
    ctx.log.info(tabIndent(text));
  }
}

/** One GET; true on 200. TLS is not verified: the kubelet's and components' serving certificates are
 * self-signed (kubeadm's component checks skip verification too); no credentials are sent. */
function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const done = (ok: boolean) => resolve(ok);
    if (u.protocol === "http:") {
      fetch(url, { signal: AbortSignal.timeout(5000) })
        .then(async (r) => {
          await r.body?.cancel();
          done(r.status === 200);
        })
        .catch(() => done(false));
      return;
    }
    const req = https.get(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on("error", () => done(false));
    req.on("timeout", () => {
      req.destroy();
      done(false);
    });
  });
}

/** Polls `check` until true or `timeoutS`; prints progress every 10 s; returns the elapsed ms. */
async function pollUntil(
  ctx: InitContext,
  what: string,
  timeoutS: number,
  check: () => Promise<boolean>,
): Promise<number> {
  try {
    return await poll(
      ctx,
      { prefix: "[wait-control-plane]", what, timeoutS, intervalMs: 250 },
      async () => (await check()) || "",
    );
  } catch (e) {
    if (e instanceof PollTimeout) throw new WaitTimeout(`timed out waiting for ${what}`, e.spentMs);
    throw e;
  }
}

/** A wait that ran out of time; the phase turns it into kubeadm's help text and a one-line error. */
class WaitTimeout extends Error {
  constructor(readonly detail: string, readonly spentMs: number) {
    super(detail);
  }
}

const KUBELET_HELP = [
  "\t- The kubelet is not running",
  "\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)",
];
const SYSTEMD_HELP = [
  "If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:",
  "\t- 'systemctl status kubelet'",
  "\t- 'journalctl -xeu kubelet'",
];

/** How to look at the control-plane containers: crictl, or docker on v1.20 - v1.23's dockershim. */
function containerHelp(ctx: InitContext): string[] {
  const socket = ctx.cfg.nodeRegistration.criSocket || ctx.minor.defaultCRISocket;
  const logs = (list: string, show: string) => [
    `\t- '${list}'`,
    "\tOnce you have found the failing container, you can inspect its logs with:",
    `\t- '${show}'`,
  ];
  if (ctx.minor.minor <= 23) {
    // unverified: the v1.21 - v1.23 wording (kubeadm v1.20's waitcontrolplane.go template as remembered).
    return /dockershim/.test(socket)
      ? [
        "Here is one example how you may list all Kubernetes containers running in docker:",
        ...logs("docker ps -a | grep kube | grep -v pause", "docker logs CONTAINERID"),
      ]
      : [
        "Here is one example how you may list all Kubernetes containers running in cri-o/containerd using crictl:",
        ...logs(
          `crictl --runtime-endpoint ${socket} ps -a | grep kube | grep -v pause`,
          `crictl --runtime-endpoint ${socket} logs CONTAINERID`,
        ),
      ];
  }
  return [
    "Here is one example how you may list all running Kubernetes containers by using crictl:",
    ...logs(
      `crictl --runtime-endpoint ${socket} ps -a | grep kube | grep -v pause`,
      `crictl --runtime-endpoint ${socket} logs CONTAINERID`,
    ),
  ];
}

/**
 * kubeadm's help after a failed wait, printed before the one-line error: up to v1.29 one screen after any
 * timeout; from v1.30 (util/apiclient/wait.go) the kubelet screen after a kubelet timeout and the
 * control-plane screen after an API server or component timeout.
 */
function printHelp(ctx: InitContext, kind: "kubelet" | "control-plane"): void {
  const m = ctx.minor.minor;
  const lines = m <= 29
    ? [
      "",
      "Unfortunately, an error has occurred:",
      "\ttimed out waiting for the condition",
      "",
      "This error is likely caused by:",
      ...KUBELET_HELP,
      "",
      ...SYSTEMD_HELP,
      "",
      "Additionally, a control plane component may have crashed or exited when started by the container runtime.",
      "To troubleshoot, list all containers using your preferred container runtimes CLI.",
      ...(m <= 23 ? [""] : []),
      ...containerHelp(ctx),
      "",
    ]
    : kind === "kubelet"
    ? [
      "",
      "Unfortunately, an error has occurred, likely caused by:",
      ...KUBELET_HELP,
      "",
      ...SYSTEMD_HELP,
      "",
    ]
    : [
      "",
      "A control plane component may have crashed or exited when started by the container runtime.",
      "To troubleshoot, list all containers using your preferred container runtimes CLI.",
      ...containerHelp(ctx),
      "",
    ];
  for (const l of lines) ctx.log.info(l);
}

/** https://<bind-address>:<secure-port><path> of a component, from its extra args (kubeadm reads the manifest). */
function componentURL(args: readonly Arg[], defaultPort: number, path: string): string {
  const bind = lastArg(args, "bind-address") ?? "127.0.0.1";
  const host = bind === "0.0.0.0" ? "127.0.0.1" : bind === "::" ? "::1" : bind;
  return `https://${joinHostPort(host, lastArg(args, "secure-port") ?? defaultPort)}${path}`;
}

async function waitKubelet(ctx: InitContext): Promise<void> {
  const kc = kubeletConfigObject(ctx.cfg, ctx.minor, { hostname: ctx.hostname, systemdResolved: false });
  const url = `http://${
    joinHostPort(String(kc.healthzBindAddress ?? "127.0.0.1"), Number(kc.healthzPort ?? 10248))
  }/healthz`;
  const t = ctx.cfg.cluster.timeouts.kubeletHealthCheck;
  const m = ctx.minor.minor, withURL = m >= 31 || (m === 30 && ctx.version.patch >= 4); // kubernetes#125265
  if (withURL && Number(kc.healthzPort ?? 10248) === 0) {
    ctx.log.info("[kubelet-check] Skipping the kubelet health check because the healthz port is set to 0");
    return;
  }
  ctx.log.info(
    `[kubelet-check] Waiting for a healthy kubelet${withURL ? ` at ${url}` : ""}. This can take up to ${
      goDuration(t)
    }`,
  );
  let ms: number;
  try {
    ms = await pollUntil(ctx, `the kubelet at ${url}`, t, () => probe(url));
  } catch (e) {
    if (!(e instanceof WaitTimeout) || ctx.minor.minor <= 29) throw e;
    ctx.log.info(`[kubelet-check] The kubelet is not healthy after ${elapsed(e.spentMs)}`);
    printHelp(ctx, "kubelet");
    throw new UserError(
      `failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL ${url}' returned error: ` +
        `Get "${url}": context deadline exceeded`,
    );
  }
  ctx.log.info(`[kubelet-check] The kubelet is healthy after ${elapsed(ms)}`);
}

export const waitControlPlanePhase: Phase = {
  name: "wait-control-plane",
  short: "Wait for the control plane to start",
  async run(ctx) {
    try {
      await waitControlPlane(ctx);
    } catch (e) {
      if (!(e instanceof WaitTimeout)) throw e;
      const m = ctx.minor.minor;
      if (m >= 30 && !gateOn(ctx.cfg, ctx.minor, "WaitForAllControlPlaneComponents")) {
        ctx.log.info(`[api-check] The API server is not healthy after ${elapsed(e.spentMs)}`);
      }
      printHelp(ctx, "control-plane");
      throw new UserError(
        `${
          m >= 30
            ? "failed while waiting for the control plane to start"
            : "couldn't initialize a Kubernetes cluster"
        }: ${e.detail}`,
      );
    }
  },
};

async function waitControlPlane(ctx: InitContext): Promise<void> {
  if (ctx.dryRun) await printDryRunFiles(ctx);
  const t = ctx.cfg.cluster.timeouts.controlPlaneComponentHealthCheck;
  const modern = ctx.minor.minor >= 30;
  ctx.log.info(
    `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory ` +
      `"${onDisk(ctx, ctx.paths.manifestsDir)}"${modern ? "" : `. This can take up to ${goDuration(t)}`}`,
  );
  if (ctx.dryRun) return;
  if (modern) await waitKubelet(ctx);
  const client = await healthClient(ctx);
  const api = (path: string) => {
    let next = 10_000;
    return client.waitHealthy(path, t * 1000, 500, (p) => {
      if (p.elapsedMs < next) return;
      next += 10_000;
      ctx.log.info(
        `[wait-control-plane] Still waiting for the API server ${path} (${
          Math.round(p.elapsedMs / 1000)
        }s elapsed, last: ${p.lastError})`,
      );
    }).catch((e) => {
      if (e instanceof UserError && /did not answer healthy/.test(e.message)) {
        throw new WaitTimeout(e.message, t * 1000);
      }
      throw e;
    });
  };
  if (!modern) {
    const start = performance.now();
    await api("/healthz");
    ctx.log.info(
      `[apiclient] All control plane components are healthy after ${
        ((performance.now() - start) / 1000).toFixed(6)
      } seconds`,
    );
    return;
  }
  const c = ctx.cfg.cluster;
  if (!gateOn(ctx.cfg, ctx.minor, "WaitForAllControlPlaneComponents")) {
    ctx.log.info(`[api-check] Waiting for a healthy API server. This can take up to ${goDuration(t)}`);
    const start = performance.now();
    await api("/healthz");
    ctx.log.info(`[api-check] The API server is healthy after ${elapsed(performance.now() - start)}`);
    return;
  }
  ctx.log.info(
    `[control-plane-check] Waiting for healthy control plane components. This can take up to ${
      goDuration(t)
    }`,
  );
  const ep = ctx.cfg.localAPIEndpoint;
  const components: [string, () => Promise<unknown>][] = [
    [
      `kube-apiserver at https://${joinHostPort(ep.advertiseAddress, ep.bindPort)}/livez`,
      () => api("/livez"),
    ],
    ...([
      ["kube-controller-manager", componentURL(c.controllerManager.extraArgs, 10257, "/healthz")],
      ["kube-scheduler", componentURL(c.scheduler.extraArgs, 10259, "/livez")],
    ] as const).map(([name, url]) =>
      [`${name} at ${url}`, () => pollUntil(ctx, `${name} at ${url}`, t, () => probe(url))] as [
        string,
        () => Promise<unknown>,
      ]
    ),
  ];
  for (const [what] of components) ctx.log.info(`[control-plane-check] Checking ${what}`);
  const start = performance.now();
  await Promise.all(components.map(async ([what, wait]) => {
    await wait();
    ctx.log.info(
      `[control-plane-check] ${what.split(" at ")[0]} is healthy after ${elapsed(performance.now() - start)}`,
    );
  }));
}
