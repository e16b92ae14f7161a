/**
 * The local etcd static Pod, as kubeadm's phases/etcd/local.go renders it for the chosen minor.
 */
import type { Arg, EnvVar, InitConfig, LocalEtcd } from "../model.ts";
import { byPatch, type MinorInfo } from "../versions.ts";
import { parseVersion } from "../model.ts";
import { etcdImage } from "../images.ts";
import {
  argumentsToCommand,
  componentPod,
  isIPv6,
  joinHostPort,
  lastArg,
  livenessProbe,
  mergeEnv,
  mountObjects,
  type Obj,
  readinessProbe,
  setArg,
  startupProbe,
  type Volume,
} from "./pod.ts";

function patchOf(cfg: InitConfig): number {
  return parseVersion(cfg.cluster.kubernetesVersion)?.patch ?? 0;
}

/** etcd image tags from 3.6 on take the non-experimental flag spellings. */
function etcdMajorMinor(image: string): [number, number] {
  const m = /:v?(\d+)\.(\d+)/.exec(image);
  return m ? [Number(m[1]), Number(m[2])] : [3, 5];
}

function etcdArgs(cfg: InitConfig, info: MinorInfo, local: LocalEtcd, image: string): string[] {
  const adv = cfg.localAPIEndpoint.advertiseAddress;
  const node = cfg.nodeRegistration.name;
  const pki = `${cfg.cluster.certificatesDir}/etcd`;
  const loopback = isIPv6(adv) ? "::1" : "127.0.0.1";
  const client = (host: string) => `https://${joinHostPort(host, 2379)}`;
  const peer = `https://${joinHostPort(adv, 2380)}`;
  const args: Arg[] = [
    { name: "name", value: node },
    { name: "listen-client-urls", value: `${client(loopback)},${client(adv)}` },
    { name: "advertise-client-urls", value: client(adv) },
    { name: "listen-peer-urls", value: peer },
    { name: "initial-advertise-peer-urls", value: peer },
    { name: "data-dir", value: local.dataDir },
    { name: "cert-file", value: `${pki}/server.crt` },
    { name: "key-file", value: `${pki}/server.key` },
    { name: "trusted-ca-file", value: `${pki}/ca.crt` },
    { name: "client-cert-auth", value: "true" },
    { name: "peer-cert-file", value: `${pki}/peer.crt` },
    { name: "peer-key-file", value: `${pki}/peer.key` },
    { name: "peer-trusted-ca-file", value: `${pki}/ca.crt` },
    { name: "peer-client-cert-auth", value: "true" },
    { name: "snapshot-count", value: "10000" },
    { name: "listen-metrics-urls", value: `http://${joinHostPort(loopback, 2381)}` },
    { name: "initial-cluster", value: `${node}=${peer}` },
  ];
  if (byPatch(info.etcdCorruptCheckByPatch, patchOf(cfg))) {
    const [maj, min] = etcdMajorMinor(image);
    if (maj > 3 || (maj === 3 && min >= 6)) {
      setArg(args, "feature-gates", "InitialCorruptCheck=true");
      setArg(args, "watch-progress-notify-interval", "5s");
    } else {
      setArg(args, "experimental-initial-corrupt-check", "true");
      setArg(args, "experimental-watch-progress-notify-interval", "5s");
    }
  }
  return ["etcd", ...argumentsToCommand(args, local.extraArgs)];
}

/** Host and port of the metrics endpoint the probes use (kubeadm reads listen-metrics-urls). */
function probeEndpoint(
  local: LocalEtcd,
  adv: string,
): { host: string; port: number; scheme: "HTTP" | "HTTPS" } {
  const urls = lastArg(local.extraArgs, "listen-metrics-urls") ??
    `http://${joinHostPort(isIPv6(adv) ? "::1" : "127.0.0.1", 2381)}`;
  const first = urls.split(",")[0] ?? "";
  try {
    const u = new URL(first);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const scheme = u.protocol === "https:" ? "HTTPS" : "HTTP";
    return { host, port: u.port ? Number(u.port) : 2381, scheme };
  } catch {
    return { host: "127.0.0.1", port: 2381, scheme: "HTTP" };
  }
}

export function renderEtcdPod(cfg: InitConfig, info: MinorInfo, proxyEnv: readonly EnvVar[]): Obj {
  const local = cfg.cluster.etcd.local;
  if (!local) throw new Error("internal: renderEtcdPod with external etcd");
  const image = etcdImage(cfg, info);
  const adv = cfg.localAPIEndpoint.advertiseAddress;
  const p = probeEndpoint(local, adv);
  const t = { controlPlaneComponentHealthCheck: cfg.cluster.timeouts.controlPlaneComponentHealthCheck };
  const vols: Volume[] = [
    {
      name: "etcd-data",
      hostPath: local.dataDir,
      mountPath: local.dataDir,
      readOnly: false,
      pathType: "DirectoryOrCreate",
    },
    {
      name: "etcd-certs",
      hostPath: `${cfg.cluster.certificatesDir}/etcd`,
      mountPath: `${cfg.cluster.certificatesDir}/etcd`,
      readOnly: false,
      pathType: "DirectoryOrCreate",
    },
  ];
  let probes: Obj;
  switch (info.etcdProbe) {
    case "health":
      probes = {
        livenessProbe: livenessProbe(p.host, "/health", p.port, p.scheme),
        startupProbe: startupProbe(p.host, "/health", p.port, p.scheme, t),
      };
      break;
    case "serializable":
      probes = {
        livenessProbe: livenessProbe(p.host, "/health?exclude=NOSPACE&serializable=true", p.port, p.scheme),
        startupProbe: startupProbe(p.host, "/health?serializable=false", p.port, p.scheme, t),
      };
      break;
    case "livez":
      probes = {
        livenessProbe: livenessProbe(p.host, "/livez", p.port, p.scheme),
        readinessProbe: readinessProbe(p.host, "/readyz", p.port, p.scheme),
        startupProbe: startupProbe(p.host, "/readyz", p.port, p.scheme, t),
      };
      break;
  }
  const env = mergeEnv(proxyEnv, local.extraEnvs);
  return componentPod(info, {
    name: "etcd",
    annotations: { "kubeadm.kubernetes.io/etcd.advertise-client-urls": `https://${joinHostPort(adv, 2379)}` },
    volumes: vols,
    container: {
      command: etcdArgs(cfg, info, local, image),
      ...(env.length > 0 ? { env: env.map((e) => ({ name: e.name, value: e.value })) } : {}),
      image,
      imagePullPolicy: "IfNotPresent",
      name: "etcd",
      ...probes,
      resources: {
        requests: {
          cpu: "100m",
          ...(byPatch(info.etcdEphemeralStorageByPatch, patchOf(cfg))
            ? { "ephemeral-storage": "100Mi" }
            : {}),
          memory: "100Mi",
        },
      },
      // kubeadm lists the data folder first; these mounts are not sorted.
      volumeMounts: mountObjects(vols, false),
    },
  });
}
