/**
 * kubeadm.k8s.io/v1alpha1 MasterConfiguration (kubeadm v1.9/v1.10) -> draft. An input dialect only:
 * what it leaves unset takes the defaults of the chosen version, and its old default registry
 * gcr.io/google_containers is never carried over. `selfHosted: true` is the SelfHosting gate; the
 * audit gate, privileged Pods and self-hosted etcd are refused (kadm does not build them).
 */
import { SELF_HOSTING } from "../selfhosting.ts";
import type { MasterDoc } from "./dialects.ts";
import { defaultToken, type Draft, setArg } from "./draft.ts";
import {
  argsFromMap,
  featureGates,
  mounts,
  note,
  notYet,
  pullPolicy,
  type ReadCx,
  seconds,
  where,
} from "./read_common.ts";

const OLD_REGISTRIES = ["gcr.io/google_containers"];

export function applyMaster(rc: ReadCx, d: Draft, m: MasterDoc): void {
  const c = d.cluster;
  if (m.api) {
    if (m.api.advertiseAddress !== undefined) {
      d.localAPIEndpoint.advertiseAddress = m.api.advertiseAddress;
      note(rc, "localAPIEndpoint.advertiseAddress", "api.advertiseAddress");
    }
    if (m.api.bindPort !== undefined && m.api.bindPort !== 0) {
      d.localAPIEndpoint.bindPort = m.api.bindPort;
      note(rc, "localAPIEndpoint.bindPort", "api.bindPort");
    }
    if (m.api.controlPlaneEndpoint !== undefined) {
      c.controlPlaneEndpoint = m.api.controlPlaneEndpoint;
      note(rc, "controlPlaneEndpoint", "api.controlPlaneEndpoint");
    }
  }
  if (m.selfHosted) {
    // kubeadm v1.9's MasterConfiguration.SelfHosted: the same as the SelfHosting feature gate.
    d.cluster.featureGates[SELF_HOSTING] = true;
    note(rc, `featureGates.${SELF_HOSTING}`, "selfHosted");
  }
  if (m.privilegedPods) notYet(rc, `Privileged control-plane Pods (${where(rc, "privilegedPods")})`);
  if (m.auditPolicy?.path) {
    notYet(rc, `The audit policy of the Auditing feature gate (${where(rc, "auditPolicy.path")})`);
  }

  const e = m.etcd;
  if (e) {
    if (e.selfHosted && Object.keys(e.selfHosted).length > 0) {
      notYet(rc, `Self-hosted etcd (${where(rc, "etcd.selfHosted")})`);
    }
    if (e.endpoints && e.endpoints.length > 0) {
      d.etcdExternal = {
        endpoints: e.endpoints,
        caFile: e.caFile ?? "",
        certFile: e.certFile ?? "",
        keyFile: e.keyFile ?? "",
      };
      note(rc, "etcd.external.endpoints", "etcd.endpoints");
    } else {
      const l = d.etcdLocal;
      if (e.dataDir) l.dataDir = e.dataDir;
      note(rc, "etcd.local.dataDir", "etcd.dataDir");
      if (e.extraArgs) l.extraArgs = argsFromMap(e.extraArgs);
      if (e.serverCertSANs) l.serverCertSANs = e.serverCertSANs;
      if (e.peerCertSANs) l.peerCertSANs = e.peerCertSANs;
      note(rc, "etcd.local.serverCertSANs", "etcd.serverCertSANs");
      note(rc, "etcd.local.peerCertSANs", "etcd.peerCertSANs");
      if (e.image) {
        const img = splitImage(e.image);
        if (!img || img.name !== "etcd") {
          rc.problems.add(
            `Invalid value for ${
              where(rc, "etcd.image")
            }: "${e.image}" must be <registry>/etcd:<tag> (kadm runs etcd images named etcd); remove it to use the version's default`,
          );
        } else {
          l.imageRepository = img.repo;
          l.imageTag = img.tag;
        }
      }
    }
  }
  const kp = m.kubeProxy?.config;
  if (kp && Object.keys(kp).length > 0) {
    d.kubeProxyConfiguration = {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      ...kp,
    };
    rc.warnings.push(
      `${
        where(rc, "kubeProxy.config")
      } is passed to kube-proxy unchanged as a KubeProxyConfiguration; remove fields newer kube-proxy versions no longer know`,
    );
  }
  const kc = m.kubeletConfiguration?.baseConfig;
  if (kc && Object.keys(kc).length > 0) {
    d.kubeletConfiguration = {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      ...kc,
    };
  }
  if (m.networking) {
    for (const k of ["serviceSubnet", "podSubnet", "dnsDomain"] as const) {
      const v = m.networking[k];
      if (v === undefined || (v === "" && k !== "podSubnet")) continue;
      c.networking[k] = v;
      note(rc, `networking.${k}`, `networking.${k}`);
    }
  }
  if (m.kubernetesVersion !== undefined) {
    d.kubernetesVersion = m.kubernetesVersion;
    note(rc, "kubernetesVersion", "kubernetesVersion");
  }
  if (m.cloudProvider !== undefined) c.cloudProvider = m.cloudProvider;
  if (m.nodeName !== undefined) {
    d.nodeRegistration.name = m.nodeName;
    note(rc, "nodeRegistration.name", "nodeName");
  }
  // authorizationModes was a field; kubeadm v1.11 turned it into the apiserver's --authorization-mode.
  const modes = m.authorizationModes;
  if (modes && modes.length > 0 && modes.join(",") !== "Node,RBAC") {
    setArg(c.apiServer.extraArgs, "authorization-mode", modes.join(","));
  }
  if (m.noTaintMaster) d.nodeRegistration.taints = [];
  if ([m.token, m.tokenTTL, m.tokenUsages, m.tokenGroups].some((x) => x !== undefined)) {
    const t = defaultToken();
    t.token = m.token ?? "";
    if (m.tokenTTL !== undefined) t.ttl = seconds(rc, m.tokenTTL, "tokenTTL") ?? t.ttl;
    if (m.tokenUsages && m.tokenUsages.length > 0) t.usages = m.tokenUsages;
    if (m.tokenGroups && m.tokenGroups.length > 0) t.groups = m.tokenGroups;
    d.bootstrapTokens = [t];
    note(rc, "bootstrapTokens[0].token", "token");
    note(rc, "bootstrapTokens[0].usages", "tokenUsages");
    note(rc, "bootstrapTokens[0].groups", "tokenGroups");
  }
  if (m.criSocket !== undefined) d.nodeRegistration.criSocket = m.criSocket;
  const comps = [
    ["apiServer", m.apiServerExtraArgs, m.apiServerExtraVolumes],
    ["controllerManager", m.controllerManagerExtraArgs, m.controllerManagerExtraVolumes],
    ["scheduler", m.schedulerExtraArgs, m.schedulerExtraVolumes],
  ] as const;
  for (const [name, args, vols] of comps) {
    for (const a of argsFromMap(args ?? {})) setArg(c[name].extraArgs, a.name, a.value);
    if (vols) c[name].extraVolumes = mounts(rc, vols, `${name}ExtraVolumes`, true);
  }
  if (m.apiServerCertSANs) {
    c.apiServer.certSANs = m.apiServerCertSANs;
    note(rc, "apiServer.certSANs", "apiServerCertSANs");
  }
  if (m.certificatesDir !== undefined && m.certificatesDir !== "") {
    c.certificatesDir = m.certificatesDir;
    note(rc, "certificatesDir", "certificatesDir");
  }
  if (m.imageRepository !== undefined && m.imageRepository !== "") {
    if (OLD_REGISTRIES.includes(m.imageRepository)) {
      rc.warnings.push(
        `${
          where(rc, "imageRepository")
        }: "${m.imageRepository}" was kubeadm v1.9's default registry; using the chosen version's default instead`,
      );
    } else {
      d.imageRepository = m.imageRepository;
      note(rc, "imageRepository", "imageRepository");
    }
  }
  if (m.imagePullPolicy !== undefined && m.imagePullPolicy !== "") {
    d.nodeRegistration.imagePullPolicy = pullPolicy(rc, m.imagePullPolicy, "imagePullPolicy") ??
      d.nodeRegistration.imagePullPolicy;
  }
  if (m.unifiedControlPlaneImage !== undefined) c.unifiedControlPlaneImage = m.unifiedControlPlaneImage;
  if (m.featureGates) featureGates(rc, d, m.featureGates, "featureGates");
  if (m.clusterName !== undefined && m.clusterName !== "") c.clusterName = m.clusterName;
}

/** `registry/path/name:tag` -> parts; undefined without a tag. */
export function splitImage(image: string): { repo: string; name: string; tag: string } | undefined {
  const m = /^(?:(.+)\/)?([^/:@]+):([\w][\w.-]{0,127})$/.exec(image);
  if (!m) return undefined;
  return { repo: m[1] ?? "", name: m[2]!, tag: m[3]! };
}
