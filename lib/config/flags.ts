/**
 * `kadm init` flags -> draft, and kubeadm's rule for mixing them with --config
 * (validation.ValidateMixedArguments: beside --config only ignore-preflight-errors, dry-run, kubeconfig,
 * node-name, kubeconfig-dir, upload-certs, print-join-command, rootfs, v, log-file and skip-* are allowed).
 */
import { defaultToken, type Draft, FLAG_TOKEN_DESCRIPTION } from "./draft.ts";
import type { ReadCx } from "./read_common.ts";
import { parseGoDuration } from "./durations.ts";
import type { Origins, Problems } from "./problems.ts";

/** Only the flags the user gave: undefined = not given (booleans too). Lists are already split. */
export interface InitFlags {
  readonly apiserverAdvertiseAddress?: string;
  readonly apiserverBindPort?: number | string;
  readonly apiserverCertExtraSans?: readonly string[];
  readonly certDir?: string;
  readonly controlPlaneEndpoint?: string;
  readonly criSocket?: string;
  /** "A=true,B=false" */
  readonly featureGates?: string;
  readonly ignorePreflightErrors?: readonly string[];
  readonly imageRepository?: string;
  readonly kubernetesVersion?: string;
  readonly nodeName?: string;
  readonly podNetworkCidr?: string;
  readonly serviceCidr?: string;
  readonly serviceDnsDomain?: string;
  readonly token?: string;
  readonly tokenTtl?: string;
  readonly skipPhases?: readonly string[];
  /** --patches directory */
  readonly patches?: string;
  readonly certificateKey?: string;
  readonly uploadCerts?: boolean;
  readonly skipTokenPrint?: boolean;
  readonly skipCertificateKeyPrint?: boolean;
  /** Deprecated alias of --ignore-preflight-errors=all. */
  readonly skipPreflightChecks?: boolean;
  readonly dryRun?: boolean;
}

export const FLAG_NAMES: Readonly<Record<keyof InitFlags, string>> = {
  apiserverAdvertiseAddress: "apiserver-advertise-address",
  apiserverBindPort: "apiserver-bind-port",
  apiserverCertExtraSans: "apiserver-cert-extra-sans",
  certDir: "cert-dir",
  controlPlaneEndpoint: "control-plane-endpoint",
  criSocket: "cri-socket",
  featureGates: "feature-gates",
  ignorePreflightErrors: "ignore-preflight-errors",
  imageRepository: "image-repository",
  kubernetesVersion: "kubernetes-version",
  nodeName: "node-name",
  podNetworkCidr: "pod-network-cidr",
  serviceCidr: "service-cidr",
  serviceDnsDomain: "service-dns-domain",
  token: "token",
  tokenTtl: "token-ttl",
  skipPhases: "skip-phases",
  patches: "patches",
  certificateKey: "certificate-key",
  uploadCerts: "upload-certs",
  skipTokenPrint: "skip-token-print",
  skipCertificateKeyPrint: "skip-certificate-key-print",
  skipPreflightChecks: "skip-preflight-checks",
  dryRun: "dry-run",
};

const ALLOWED_WITH_CONFIG = new Set([
  "config",
  "ignore-preflight-errors",
  "dry-run",
  "kubeconfig",
  "node-name",
  "kubeconfig-dir",
  "upload-certs",
  "print-join-command",
  "rootfs",
  "v",
  "log-file",
]);

/** kubeadm: `can not mix '--config' with arguments [a b]` (names sorted, as pflag visits them). */
export function checkMixedArguments(flags: InitFlags, problems: Problems): void {
  const bad = (Object.keys(flags) as (keyof InitFlags)[])
    .filter((k) => flags[k] !== undefined && FLAG_NAMES[k] !== undefined)
    .map((k) => FLAG_NAMES[k])
    .filter((n) => !ALLOWED_WITH_CONFIG.has(n) && !n.startsWith("skip-"))
    .sort();
  if (bad.length > 0) {
    problems.add(
      `Can not mix '--config' with arguments [${bad.join(" ")}]: set them in the config file instead`,
    );
  }
}

const PARSE_BOOL: Readonly<Record<string, boolean>> = {
  "1": true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/** kubeadm's NewFeatureGate: "A=true,B=false". */
export function parseFeatureGatesFlag(text: string, problems: Problems): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const part of text.split(",")) {
    const s = part.trim();
    if (s === "") continue;
    const eq = s.indexOf("=");
    const k = (eq < 0 ? s : s.slice(0, eq)).trim();
    const v = eq < 0 ? undefined : PARSE_BOOL[s.slice(eq + 1).trim()];
    if (v === undefined) {
      problems.add(`Invalid value for --feature-gates: "${s}" must be Name=true or Name=false`);
      continue;
    }
    out[k] = v;
  }
  return out;
}

function split(list: readonly string[]): string[] {
  return list.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
}

/** Flags that may stand beside --config, applied after the file (kubeadm's init.go order). */
export function applyRuntimeFlags(rc: ReadCx, d: Draft, f: InitFlags): void {
  if (f.nodeName !== undefined) {
    d.nodeRegistration.name = f.nodeName;
    rc.origins.set("nodeRegistration.name", "--node-name");
  }
  if (f.ignorePreflightErrors !== undefined) {
    d.nodeRegistration.ignorePreflightErrors.push(...split(f.ignorePreflightErrors));
    rc.origins.set("nodeRegistration.ignorePreflightErrors", "--ignore-preflight-errors");
  }
  if (f.skipPreflightChecks) {
    rc.warnings.push("--skip-preflight-checks is deprecated: use --ignore-preflight-errors=all instead");
    d.nodeRegistration.ignorePreflightErrors.push("all");
    rc.origins.set(
      "nodeRegistration.ignorePreflightErrors",
      "--ignore-preflight-errors (with --skip-preflight-checks)",
    );
  }
  if (f.skipPhases !== undefined && split(f.skipPhases).length > 0) d.skipPhases = split(f.skipPhases);
  if (f.dryRun) d.options.dryRun = true;
  if (f.uploadCerts !== undefined) d.options.uploadCerts = f.uploadCerts;
  if (f.skipTokenPrint !== undefined) d.options.skipTokenPrint = f.skipTokenPrint;
  if (f.skipCertificateKeyPrint !== undefined) d.options.skipCertificateKeyPrint = f.skipCertificateKeyPrint;
}

/** All flags, when there is no --config. */
export function applyAllFlags(rc: ReadCx, d: Draft, f: InitFlags, origins: Origins): void {
  const c = d.cluster;
  const set = (model: string, key: keyof InitFlags) => origins.set(model, `--${FLAG_NAMES[key]}`);
  if (f.apiserverAdvertiseAddress !== undefined) {
    d.localAPIEndpoint.advertiseAddress = f.apiserverAdvertiseAddress;
    set("localAPIEndpoint.advertiseAddress", "apiserverAdvertiseAddress");
  }
  if (f.apiserverBindPort !== undefined) {
    const p = typeof f.apiserverBindPort === "number" ? f.apiserverBindPort : Number(f.apiserverBindPort);
    if (!Number.isInteger(p) || String(f.apiserverBindPort).trim() === "") {
      rc.problems.add(
        `Invalid value for --apiserver-bind-port: "${f.apiserverBindPort}" is not a port number`,
      );
    } else d.localAPIEndpoint.bindPort = p;
    set("localAPIEndpoint.bindPort", "apiserverBindPort");
  }
  if (f.apiserverCertExtraSans !== undefined) {
    c.apiServer.certSANs = split(f.apiserverCertExtraSans);
    set("apiServer.certSANs", "apiserverCertExtraSans");
  }
  if (f.certDir !== undefined) {
    c.certificatesDir = f.certDir;
    set("certificatesDir", "certDir");
  }
  if (f.controlPlaneEndpoint !== undefined) {
    c.controlPlaneEndpoint = f.controlPlaneEndpoint;
    set("controlPlaneEndpoint", "controlPlaneEndpoint");
  }
  if (f.criSocket !== undefined) d.nodeRegistration.criSocket = f.criSocket;
  if (f.featureGates !== undefined) {
    for (const [k, v] of Object.entries(parseFeatureGatesFlag(f.featureGates, rc.problems))) {
      c.featureGates[k] = v;
      origins.set(`featureGates.${k}`, "--feature-gates");
    }
  }
  if (f.imageRepository !== undefined) {
    d.imageRepository = f.imageRepository;
    set("imageRepository", "imageRepository");
  }
  if (f.kubernetesVersion !== undefined) {
    d.kubernetesVersion = f.kubernetesVersion;
    set("kubernetesVersion", "kubernetesVersion");
  }
  if (f.podNetworkCidr !== undefined) {
    c.networking.podSubnet = f.podNetworkCidr;
    set("networking.podSubnet", "podNetworkCidr");
  }
  if (f.serviceCidr !== undefined) {
    c.networking.serviceSubnet = f.serviceCidr;
    set("networking.serviceSubnet", "serviceCidr");
  }
  if (f.serviceDnsDomain !== undefined) {
    c.networking.dnsDomain = f.serviceDnsDomain;
    set("networking.dnsDomain", "serviceDnsDomain");
  }
  // kubeadm's BootstrapTokenOptions.ApplyTo: the flag token always carries the flag description.
  const t = defaultToken();
  t.description = FLAG_TOKEN_DESCRIPTION;
  if (f.token !== undefined) t.token = f.token;
  set("bootstrapTokens[0].token", "token");
  if (f.tokenTtl !== undefined) {
    const s = parseGoDuration(f.tokenTtl);
    if (s === undefined) {
      rc.problems.add(
        `Invalid value for --token-ttl: "${f.tokenTtl}" is not a duration; use Go syntax such as 24h0m0s, 1h30m or 0`,
      );
    } else t.ttl = s;
  }
  d.bootstrapTokens = [t];
  if (f.patches !== undefined) d.patchesDirectory = f.patches;
  if (f.certificateKey !== undefined) {
    d.certificateKey = f.certificateKey;
    set("certificateKey", "certificateKey");
  }
  applyRuntimeFlags(rc, d, f);
}
