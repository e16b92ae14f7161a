/**
 * Draft -> InitConfig: resolves the Kubernetes version, applies the chosen minor's defaults
 * (registry, CI registry, hyperkube image, feature gates) and, unless static, the host facts
 * (node name, advertise address, generated tokens) from injected functions.
 */
import type { InitConfig } from "../model.ts";
import { parseVersion } from "../model.ts";
import { UserError } from "../errors.ts";
import { DYNAMIC_KUBELET_CONFIG, dynamicKubeletRefusal } from "../dynamic_kubelet.ts";
import { LAST_KUBE_DNS_MINOR } from "../objects/kubedns.ts";
import { SELF_HOSTING_GATES, selfHostingGateProblem, STORE_CERTS_IN_SECRETS } from "../selfhosting.ts";
import { DEFAULT_KUBERNETES_VERSION, defaultImageRepository, minorInfo } from "../versions.ts";
import { defaultToken, type Draft } from "./draft.ts";
import { resolveKubernetesVersion } from "./kube_version.ts";
import type { ReadCx } from "./read_common.ts";

/** Host facts, injected so tests are deterministic. */
export interface HostFacts {
  /** The host name (lower-cased by the loader, as kubeadm's GetHostname does). */
  hostname(): string;
  /** IPv4 of the default-route interface; throws UserError when there is none. */
  advertiseAddress(): string;
  /** A fresh bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`. */
  randomToken(): string;
}

export const K8S_GCR = "k8s.gcr.io";

/** Image tag for a version: "+" is not allowed in tags (kubeadm's KubernetesVersionToImageTag). */
export function imageTag(version: string): string {
  return version.replaceAll("+", "_");
}

export function finish(rc: ReadCx, d: Draft, host: HostFacts | undefined): InitConfig {
  const label = (model: string, fallback: string) => rc.origins.get(model) ?? fallback;
  let resolved = resolveKubernetesVersion(d.kubernetesVersion);
  if (typeof resolved === "string") {
    rc.problems.add(`Invalid value for ${label("kubernetesVersion", "kubernetesVersion")}: ${resolved}`);
    resolved = { version: DEFAULT_KUBERNETES_VERSION, ciImageRepository: "" };
  }
  const v = parseVersion(resolved.version)!;
  const info = minorInfo(v.minor);

  const defaultRepo = defaultImageRepository(info, v.patch);
  let repo = d.imageRepository || defaultRepo;
  if (repo === K8S_GCR && defaultRepo !== K8S_GCR) {
    rc.warnings.push(
      `${
        label("imageRepository", "imageRepository")
      }: ${K8S_GCR} is frozen; using ${defaultRepo} as kubeadm v1.${v.minor}.${v.patch} does`,
    );
    repo = defaultRepo;
  }
  const custom = repo !== defaultRepo;
  // Since kubernetes#111017 (v1.25) a custom registry wins over the CI registry.
  const ci = custom && v.minor >= 25 ? "" : resolved.ciImageRepository;
  const c = d.cluster;
  if (d.useHyperKubeImage) {
    c.unifiedControlPlaneImage = `${ci || repo}/hyperkube:${imageTag(resolved.version)}`;
  }

  for (const [name, on] of Object.entries(c.featureGates)) {
    if (name === DYNAMIC_KUBELET_CONFIG) {
      // Not in kubeadm's list since v1.13: kadm's own gate for v1.20-v1.23 (lib/dynamic_kubelet.ts).
      const refusal = dynamicKubeletRefusal(v.minor);
      if (refusal) {
        rc.problems.add(`Invalid value for ${label(`featureGates.${name}`, "featureGates")}: ${refusal}`);
      }
    } else if (SELF_HOSTING_GATES.includes(name)) {
      // kadm's own gates for every minor (kubeadm dropped them in v1.13): lib/selfhosting.ts.
    } else if (!Object.hasOwn(info.featureGates, name)) {
      const known = Object.keys(info.featureGates).sort().join(", ") || "none";
      rc.problems.add(
        `Invalid value for ${
          label(`featureGates.${name}`, "featureGates")
        }: unknown feature gate "${name}" for Kubernetes v1.${v.minor} (known: ${known})`,
      );
    } else if (name === "PublicKeysECDSA" && on) {
      c.encryptionAlgorithm = "ECDSA-P256";
    }
  }

  const selfHosting = selfHostingGateProblem(c.featureGates);
  if (selfHosting) {
    const where = label(`featureGates.${STORE_CERTS_IN_SECRETS}`, "feature-gates");
    rc.problems.add(`Invalid value for ${where}: ${selfHosting}`);
  }

  if (c.dns.type === "kube-dns" && v.minor > LAST_KUBE_DNS_MINOR) {
    rc.problems.add(
      `Invalid value for ${label("dns.type", "dns.type")}: kube-dns support was removed in Kubernetes v1.${
        LAST_KUBE_DNS_MINOR + 1
      } and this cluster is ${resolved.version}; use CoreDNS instead (drop the setting, CoreDNS is the default)`,
    );
  }

  // kubeadm v1.31+ (v1beta4): skipping the addon phases is the same as disabling the addons.
  if (v.minor >= 31) {
    const skip = new Set(d.skipPhases);
    if (skip.has("addon") || skip.has("addon/coredns")) c.dns.disabled = true;
    if (skip.has("addon") || skip.has("addon/kube-proxy")) c.proxy.disabled = true;
  }

  const tokens = d.bootstrapTokens ?? [defaultToken()];
  if (tokens.length === 0) tokens.push(defaultToken());
  if (host) {
    for (const t of tokens) {
      if (t.token !== "") continue;
      t.token = host.randomToken();
      t.generated = true;
    }
    if (d.nodeRegistration.name === "") d.nodeRegistration.name = host.hostname().trim().toLowerCase();
    if (d.localAPIEndpoint.advertiseAddress === "") {
      try {
        d.localAPIEndpoint.advertiseAddress = host.advertiseAddress();
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        rc.problems.add(e.message);
      }
    }
  }

  const ipe = [...new Set(d.nodeRegistration.ignorePreflightErrors.map((s) => s.trim().toLowerCase()))]
    .sort();
  if (ipe.includes("all") && ipe.length > 1) {
    rc.problems.add(
      `Invalid value for ${
        label("nodeRegistration.ignorePreflightErrors", "ignore-preflight-errors")
      }: don't specify individual checks (${ipe.filter((s) => s !== "all").join(",")}) if 'all' is used`,
    );
  }
  d.nodeRegistration.ignorePreflightErrors = ipe;

  return {
    cluster: {
      ...c,
      kubernetesVersion: resolved.version,
      imageRepository: repo,
      imageRepositoryIsCustom: custom,
      ciImageRepository: ci,
      etcd: d.etcdExternal ? { external: d.etcdExternal } : { local: d.etcdLocal },
    },
    localAPIEndpoint: d.localAPIEndpoint,
    nodeRegistration: d.nodeRegistration,
    bootstrapTokens: tokens,
    certificateKey: d.certificateKey,
    skipPhases: d.skipPhases,
    patchesDirectory: d.patchesDirectory,
    kubeletConfiguration: d.kubeletConfiguration,
    kubeProxyConfiguration: d.kubeProxyConfiguration,
  };
}
