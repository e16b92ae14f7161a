/** `kadm version`: kadm's own version and the Kubernetes versions it can set up. */
import { DEFAULT_KUBERNETES_VERSION, NEWEST_MINOR, OLDEST_MINOR } from "../lib/versions.ts";
import { UserError } from "../lib/errors.ts";
import { toKubeYaml } from "../lib/yaml.ts";

export const KADM_VERSION = "v0.1.0";

export function versionText(output?: string): string {
  const info = {
    kadmVersion: KADM_VERSION,
    defaultKubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    supportedKubernetesVersions: `v1.${OLDEST_MINOR} - v1.${NEWEST_MINOR}`,
    denoVersion: Deno.version.deno,
  };
  switch (output) {
    case undefined:
    case "":
      return `kadm version: ${KADM_VERSION} (Kubernetes ${info.supportedKubernetesVersions}, default ${DEFAULT_KUBERNETES_VERSION})`;
    case "short":
      return KADM_VERSION;
    case "json":
      return JSON.stringify({ clientVersion: info }, null, 2);
    case "yaml":
      return toKubeYaml({ clientVersion: info }).trimEnd();
    default:
      throw new UserError(`Invalid value for --output: "${output}"; use one of yaml, json, short`);
  }
}
