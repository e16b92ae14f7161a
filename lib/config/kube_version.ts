/**
 * Resolves `kubernetesVersion` / `--kubernetes-version` to an exact `vX.Y.Z[-pre]` within kadm's
 * supported range (v1.20 .. v1.34), without the network.
 *
 * Deliberate difference from kubeadm: the labels "stable", "stable-1", "latest" and "" do not fetch
 * https://dl.k8s.io/release/stable-1.txt; they resolve to DEFAULT_KUBERNETES_VERSION, so `kadm init`
 * behaves the same offline and online. "stable-1.X" / "latest-1.X" resolve to the newest patch of
 * v1.X kadm knows. CI builds are accepted only as explicit versions (`ci/v1.34.0-alpha.1.28+abc`).
 */
import { parseVersion } from "../model.ts";
import { DEFAULT_KUBERNETES_VERSION, minorInfo, NEWEST_MINOR, OLDEST_MINOR } from "../versions.ts";

export interface ResolvedVersion {
  readonly version: string;
  /** The CI registry for `ci/...` versions, "" otherwise. */
  readonly ciImageRepository: string;
}

const RANGE = `v1.${OLDEST_MINOR}..v1.${NEWEST_MINOR}`;

/** Returns the resolved version or an error text (without the field name). */
export function resolveKubernetesVersion(input: string): ResolvedVersion | string {
  const raw = input.trim();
  if (raw === "" || raw === "stable" || raw === "stable-1" || raw === "latest") {
    return { version: DEFAULT_KUBERNETES_VERSION, ciImageRepository: "" };
  }
  const label = /^(?:stable|latest)-1\.(\d+)$/.exec(raw);
  if (label) {
    const minor = Number(label[1]);
    const range = checkMinor(1, minor, raw);
    if (range) return range;
    return { version: minorInfo(minor).latestPatch, ciImageRepository: "" };
  }
  let text = raw;
  let ci = false;
  if (raw.startsWith("ci/") || raw.startsWith("ci-cross/")) {
    text = raw.slice(raw.indexOf("/") + 1);
    if (!/^v\d/.test(text)) {
      return `"${raw}" is a CI label that needs a network look-up; give an explicit CI version such as ci/v1.${NEWEST_MINOR}.0-alpha.0.1+0123456789abcd`;
    }
    ci = true;
  }
  const v = parseVersion(text);
  if (!v) {
    return `"${raw}" is not a Kubernetes version or label; use vX.Y.Z (supported: ${RANGE}), stable or stable-1.X`;
  }
  const range = checkMinor(v.major, v.minor, raw);
  if (range) return range;
  const version = `v${v.major}.${v.minor}.${v.patch}${v.pre}`;
  return { version, ciImageRepository: ci ? ciRepository(v.minor, v.patch) : "" };
}

function checkMinor(major: number, minor: number, raw: string): string | undefined {
  if (major !== 1 || minor < OLDEST_MINOR) {
    return `"${raw}" is older than kadm supports; set kubernetesVersion to a version in ${RANGE}, e.g. ${DEFAULT_KUBERNETES_VERSION}`;
  }
  if (minor > NEWEST_MINOR) {
    return `"${raw}" is newer than kadm knows; set kubernetesVersion to a version in ${RANGE}, e.g. ${DEFAULT_KUBERNETES_VERSION}`;
  }
  return undefined;
}

/** kubeadm's DefaultCIImageRepository: gcr.io/kubernetes-ci-images until kubernetes#97087 (v1.21,
 * back-ported to v1.20.3), gcr.io/k8s-staging-ci-images after. */
export function ciRepository(minor: number, patch: number): string {
  return minor < 20 || (minor === 20 && patch < 3)
    ? "gcr.io/kubernetes-ci-images"
    : "gcr.io/k8s-staging-ci-images";
}
