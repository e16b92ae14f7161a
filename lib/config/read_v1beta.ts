/**
 * kubeadm.k8s.io/v1beta2, v1beta3 and v1beta4 InitConfiguration / ClusterConfiguration -> draft.
 * Older formats' maps become sorted arg lists; v1beta2/3 `timeoutForControlPlane` becomes
 * timeouts.controlPlaneComponentHealthCheck; v1beta3 PublicKeysECDSA is resolved in finish.ts.
 */
import type { BootstrapToken } from "../model.ts";
import type { ClusterDoc, InitDoc, TokenDoc } from "./dialects.ts";
import { DEFAULT_TOKEN_GROUPS, DEFAULT_TOKEN_USAGES, type DM, type Draft, setArg } from "./draft.ts";
import {
  argsFromList,
  argsFromMap,
  ENCRYPTION_ALGORITHMS,
  envs,
  featureGates,
  mounts,
  note,
  oneOf,
  pullPolicy,
  type ReadCx,
  seconds,
  taints,
  where,
} from "./read_common.ts";

export type Api = "v1beta2" | "v1beta3" | "v1beta4";

export function readToken(rc: ReadCx, t: TokenDoc, i: number, user: string): DM<BootstrapToken> {
  const p = `${user}[${i}]`;
  const out: DM<BootstrapToken> = {
    token: t.token ?? "",
    description: t.description ?? "",
    ttl: 24 * 3600,
    expires: t.expires ?? "",
    usages: t.usages && t.usages.length > 0 ? t.usages : [...DEFAULT_TOKEN_USAGES],
    groups: t.groups && t.groups.length > 0 ? t.groups : [...DEFAULT_TOKEN_GROUPS],
    generated: false,
  };
  if (t.ttl !== undefined) out.ttl = seconds(rc, t.ttl, `${p}.ttl`) ?? out.ttl;
  for (const f of ["token", "expires", "usages", "groups"] as const) {
    note(rc, `bootstrapTokens[${i}].${f}`, `${p}.${f}`);
  }
  return out;
}

export function applyInit(rc: ReadCx, d: Draft, doc: InitDoc, api: Api): void {
  if (doc.bootstrapTokens) {
    d.bootstrapTokens = doc.bootstrapTokens.map((t, i) => readToken(rc, t, i, "bootstrapTokens"));
  }
  const nr = doc.nodeRegistration;
  if (nr) {
    const n = d.nodeRegistration;
    if (nr.name !== undefined) {
      n.name = nr.name;
      note(rc, "nodeRegistration.name", "nodeRegistration.name");
    }
    if (nr.criSocket !== undefined) n.criSocket = nr.criSocket;
    if (nr.taints !== undefined) n.taints = taints(rc, nr.taints, "nodeRegistration.taints");
    const kea = nr.kubeletExtraArgs as unknown;
    if (Array.isArray(kea)) n.kubeletExtraArgs = argsFromList(rc, kea, "nodeRegistration.kubeletExtraArgs");
    else if (kea) n.kubeletExtraArgs = argsFromMap(kea as Record<string, string>);
    if (nr.ignorePreflightErrors) {
      n.ignorePreflightErrors = nr.ignorePreflightErrors;
      note(rc, "nodeRegistration.ignorePreflightErrors", "nodeRegistration.ignorePreflightErrors");
    }
    if (nr.imagePullPolicy !== undefined) {
      n.imagePullPolicy = pullPolicy(rc, nr.imagePullPolicy, "nodeRegistration.imagePullPolicy") ??
        n.imagePullPolicy;
    }
    if (nr.imagePullSerial !== undefined) n.imagePullSerial = nr.imagePullSerial;
  }
  const ep = doc.localAPIEndpoint;
  if (ep?.advertiseAddress !== undefined) {
    d.localAPIEndpoint.advertiseAddress = ep.advertiseAddress;
    note(rc, "localAPIEndpoint.advertiseAddress", "localAPIEndpoint.advertiseAddress");
  }
  if (ep?.bindPort !== undefined && ep.bindPort !== 0) {
    d.localAPIEndpoint.bindPort = ep.bindPort;
    note(rc, "localAPIEndpoint.bindPort", "localAPIEndpoint.bindPort");
  }
  if (doc.certificateKey !== undefined) {
    d.certificateKey = doc.certificateKey;
    note(rc, "certificateKey", "certificateKey");
  }
  if (doc.skipPhases) d.skipPhases = doc.skipPhases;
  if (doc.patches?.directory !== undefined) d.patchesDirectory = doc.patches.directory;
  if (doc.dryRun) d.options.dryRun = true;
  const t = doc.timeouts;
  if (t) {
    const ts = d.cluster.timeouts;
    for (const k of Object.keys(ts) as (keyof typeof ts)[]) {
      const v = t[k];
      if (v !== undefined) ts[k] = seconds(rc, v, `timeouts.${k}`) ?? ts[k];
    }
    if (t.upgradeManifests !== undefined) {
      d.upgradeManifestsTimeout = seconds(rc, t.upgradeManifests, "timeouts.upgradeManifests") ??
        d.upgradeManifestsTimeout;
    }
  }
  void api;
}

type ComponentDoc = {
  extraArgs?: Record<string, string> | { name?: string; value?: string }[];
  extraVolumes?: Parameters<typeof mounts>[1];
  extraEnvs?: Parameters<typeof envs>[1];
};

function component(
  rc: ReadCx,
  into: { extraArgs: { name: string; value: string }[]; extraVolumes: unknown[]; extraEnvs: unknown[] },
  doc: ComponentDoc | undefined,
  user: string,
): void {
  if (!doc) return;
  if (Array.isArray(doc.extraArgs)) into.extraArgs = argsFromList(rc, doc.extraArgs, `${user}.extraArgs`);
  else if (doc.extraArgs) {
    for (const a of argsFromMap(doc.extraArgs)) setArg(into.extraArgs, a.name, a.value);
  }
  if (doc.extraVolumes) into.extraVolumes = mounts(rc, doc.extraVolumes, `${user}.extraVolumes`);
  if (doc.extraEnvs) into.extraEnvs = envs(rc, doc.extraEnvs, `${user}.extraEnvs`);
}

export function applyCluster(
  rc: ReadCx,
  d: Draft,
  doc: ClusterDoc & Record<string, unknown>,
  api: Api,
): void {
  const c = d.cluster;
  const simple = [
    ["kubernetesVersion", "kubernetesVersion"],
    ["controlPlaneEndpoint", "controlPlaneEndpoint"],
    ["certificatesDir", "certificatesDir"],
    ["clusterName", "clusterName"],
  ] as const;
  for (const [k] of simple) {
    const v = doc[k];
    if (v === undefined) continue;
    if (k === "kubernetesVersion") d.kubernetesVersion = v;
    else c[k] = v;
    note(rc, k, k);
  }
  if (doc.imageRepository !== undefined) {
    d.imageRepository = doc.imageRepository;
    note(rc, "imageRepository", "imageRepository");
  }
  if (doc.featureGates) featureGates(rc, d, doc.featureGates, "featureGates");
  const net = doc.networking;
  if (net) {
    for (const k of ["serviceSubnet", "podSubnet", "dnsDomain"] as const) {
      const v = net[k];
      if (v === undefined || (v === "" && k !== "podSubnet")) continue;
      c.networking[k] = v;
      note(rc, `networking.${k}`, `networking.${k}`);
    }
  }
  const as = doc.apiServer as
    | (ComponentDoc & { certSANs?: string[]; timeoutForControlPlane?: string })
    | undefined;
  component(rc, c.apiServer, as, "apiServer");
  if (as?.certSANs) {
    c.apiServer.certSANs = as.certSANs;
    note(rc, "apiServer.certSANs", "apiServer.certSANs");
  }
  if (as?.timeoutForControlPlane !== undefined) {
    const s = seconds(rc, as.timeoutForControlPlane, "apiServer.timeoutForControlPlane");
    if (s !== undefined) c.timeouts.controlPlaneComponentHealthCheck = s;
  }
  component(rc, c.controllerManager, doc.controllerManager as ComponentDoc | undefined, "controllerManager");
  component(rc, c.scheduler, doc.scheduler as ComponentDoc | undefined, "scheduler");

  const etcd = doc.etcd;
  if (etcd?.local && etcd.external) {
    rc.problems.add(
      `Invalid value for ${where(rc, "etcd")}: etcd.local and etcd.external are mutually exclusive; keep one`,
    );
  }
  if (etcd?.local) {
    const l = etcd.local as NonNullable<typeof etcd.local> & ComponentDoc;
    const e = d.etcdLocal;
    if (l.imageRepository !== undefined) e.imageRepository = l.imageRepository;
    if (l.imageTag !== undefined) e.imageTag = l.imageTag;
    if (l.dataDir) e.dataDir = l.dataDir;
    note(rc, "etcd.local.dataDir", "etcd.local.dataDir");
    const holder = { extraArgs: e.extraArgs, extraVolumes: [], extraEnvs: e.extraEnvs };
    component(rc, holder, l, "etcd.local");
    e.extraArgs = holder.extraArgs;
    e.extraEnvs = holder.extraEnvs as typeof e.extraEnvs;
    if (l.serverCertSANs) e.serverCertSANs = l.serverCertSANs;
    if (l.peerCertSANs) e.peerCertSANs = l.peerCertSANs;
    note(rc, "etcd.local.serverCertSANs", "etcd.local.serverCertSANs");
    note(rc, "etcd.local.peerCertSANs", "etcd.local.peerCertSANs");
  } else if (etcd?.external) {
    const x = etcd.external;
    d.etcdExternal = {
      endpoints: x.endpoints ?? [],
      caFile: x.caFile ?? "",
      certFile: x.certFile ?? "",
      keyFile: x.keyFile ?? "",
    };
    note(rc, "etcd.external.endpoints", "etcd.external.endpoints");
  }

  const dns = doc.dns as
    | { type?: string; imageRepository?: string; imageTag?: string; disabled?: boolean }
    | undefined;
  if (dns) {
    if (dns.type === "kube-dns") {
      c.dns.type = "kube-dns";
      note(rc, "dns.type", "dns.type");
    } else if (dns.type !== undefined && dns.type !== "" && dns.type !== "CoreDNS") {
      oneOf(rc, dns.type, ["CoreDNS", "kube-dns"], "dns.type");
    }
    if (dns.imageRepository !== undefined) c.dns.imageRepository = dns.imageRepository;
    if (dns.imageTag !== undefined) c.dns.imageTag = dns.imageTag;
    if (dns.disabled !== undefined) c.dns.disabled = dns.disabled;
  }
  const rest = doc as {
    proxy?: { disabled?: boolean };
    encryptionAlgorithm?: string;
    certificateValidityPeriod?: string;
    caCertificateValidityPeriod?: string;
    useHyperKubeImage?: boolean;
  };
  if (rest.proxy?.disabled !== undefined) c.proxy.disabled = rest.proxy.disabled;
  if (rest.encryptionAlgorithm !== undefined && rest.encryptionAlgorithm !== "") {
    c.encryptionAlgorithm =
      oneOf(rc, rest.encryptionAlgorithm, ENCRYPTION_ALGORITHMS, "encryptionAlgorithm") ??
        c.encryptionAlgorithm;
  }
  for (const k of ["certificateValidityPeriod", "caCertificateValidityPeriod"] as const) {
    const v = rest[k];
    if (v === undefined) continue;
    const s = seconds(rc, v, k);
    if (s !== undefined) c[k] = s;
    note(rc, k, k);
  }
  if (rest.useHyperKubeImage) d.useHyperKubeImage = true;
  void api;
}
