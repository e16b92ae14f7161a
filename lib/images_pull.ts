/**
 * Offline installs: pulling the images of `imageList` through the container runtime
 * (`kadm config images pull`) and the preflight report of the images missing locally.
 * The runtime is reached through its CLI, as kubeadm's app/util/runtime does: crictl with
 * `--runtime-endpoint <socket>`, or docker for the dockershim socket (v1.20 - v1.23, kubeadm's
 * DockerRuntime: the dockershim socket is served by the kubelet, which does not run yet).
 * Library code: commands go through a CommandRunner / PreflightHost, lines through a callback.
 */
import type { CommandResult, CommandRunner } from "./host.ts";
import { UserError } from "./errors.ts";
import { isDockershim } from "./preflight/cri.ts";
import type { PreflightHost } from "./preflight/host.ts";
import { type Check, finding, ok } from "./preflight/types.ts";

/** A command line: the executable and its arguments. */
export type CommandLine = readonly [string, readonly string[]];

/** The runtime CLI for a CRI endpoint (as given, e.g. `unix:///run/containerd/containerd.sock`). */
export function runtimeTool(endpoint: string): "crictl" | "docker" {
  return isDockershim(endpoint) ? "docker" : "crictl";
}

/** `crictl --runtime-endpoint <endpoint> pull <image>` (or `docker pull <image>`). */
export function pullCommand(endpoint: string, image: string): CommandLine {
  return runtimeTool(endpoint) === "docker"
    ? ["docker", ["pull", image]]
    : ["crictl", ["--runtime-endpoint", endpoint, "pull", image]];
}

/** `crictl --runtime-endpoint <endpoint> inspecti -q <image>` (or `docker inspect <image>`): 0 = present. */
export function inspectCommand(endpoint: string, image: string): CommandLine {
  return runtimeTool(endpoint) === "docker"
    ? ["docker", ["inspect", image]]
    : ["crictl", ["--runtime-endpoint", endpoint, "inspecti", "-q", image]];
}

/** kubeadm's line for a pulled image. */
export function pulledLine(image: string): string {
  return `[config/images] Pulled ${image}`;
}

function oneLine(s: string): string {
  return s.trim().replace(/\s*\n\s*/g, "; ");
}

function pullError(tool: string, image: string, r: CommandResult): UserError {
  if (r.code === 127) {
    return new UserError(
      `Failed to pull image "${image}": ${tool} not found in $PATH: install ${
        tool === "crictl" ? "cri-tools" : "docker"
      } or pull the images on another host and load them into the runtime`,
    );
  }
  const why = oneLine(r.stderr) || oneLine(r.stdout) || `exit status ${r.code}`;
  return new UserError(
    `Failed to pull image "${image}" with ${tool}: ${why}; check --cri-socket and that the registry is reachable`,
  );
}

/**
 * Pulls the images in order through `runner`, calling `onPulled` after each one; the first failure
 * (or a missing runtime CLI) is a UserError naming the image and the tool's stderr.
 */
export async function pullImages(
  runner: CommandRunner,
  endpoint: string,
  images: readonly string[],
  onPulled: (image: string) => void,
): Promise<void> {
  const tool = runtimeTool(endpoint);
  if (!(await runner.has(tool))) {
    throw pullError(tool, images[0] ?? "", { code: 127, stdout: "", stderr: "" });
  }
  for (const image of images) {
    const [cmd, args] = pullCommand(endpoint, image);
    const r = await runner.run(cmd, args);
    if (r.code !== 0) throw pullError(tool, image, r);
    onPulled(image);
  }
}

/** The images the runtime does not have (empty, and nothing run, when its CLI is not on PATH). */
export async function missingImages(
  host: PreflightHost,
  endpoint: string,
  images: readonly string[],
): Promise<string[]> {
  if (!(await host.lookPath(runtimeTool(endpoint)))) return [];
  const missing: string[] = [];
  for (const image of images) {
    const [cmd, args] = inspectCommand(endpoint, image);
    if ((await host.run(cmd, args)).code !== 0) missing.push(image);
  }
  return missing;
}

/**
 * kubeadm's ImagePull check, reporting instead of pulling: one warning listing the images missing
 * locally. Nothing when every image is present or the runtime CLI is absent.
 */
export function imagesPresentCheck(endpoint: string, images: readonly string[]): Check {
  return {
    name: "ImagePull",
    severity: "warning",
    async run(host) {
      const missing = await missingImages(host, endpoint, images);
      if (missing.length === 0) return ok;
      return [
        finding(
          `images not present locally (kadm does not pull during init yet; run 'kadm config images pull'): ${
            missing.join(", ")
          }`,
        ),
      ];
    },
  };
}
