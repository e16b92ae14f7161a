/**
 * Pure planning for `kadm reset`: reading what init left (static Pod manifests, the stored
 * ClusterConfiguration, /proc/mounts, the kubelet's flags) and deciding what to remove, unmount and
 * run. No host access here: callers pass text in and act on the returned data.
 */
import YAML from "yaml";
import { parseVersion } from "../model.ts";
import {
  DEFAULT_CERTS_DIR,
  DEFAULT_ETCD_DATA_DIR,
  goList,
  KUBELET_DIR,
  MANIFESTS_DIR,
  type ResetProfile,
  TMP_DIR,
} from "./profile.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function parseYaml(text: string): Obj | undefined {
  try {
    return obj(YAML.parse(text));
  } catch {
    return undefined;
  }
}

/** What the kubeadm-config ConfigMap's ClusterConfiguration says (kubeadm's cfg != nil). */
export interface StoredCluster {
  readonly kubernetesVersion?: string;
  readonly certificatesDir?: string;
  /** Local etcd's dataDir; undefined with external etcd. */
  readonly etcdDataDir?: string;
  readonly externalEtcd: boolean;
}

export function parseStoredCluster(text: string): StoredCluster | undefined {
  const c = parseYaml(text);
  if (!c) return undefined;
  const etcd = obj(c.etcd);
  const external = Object.keys(obj(etcd.external)).length > 0;
  return {
    kubernetesVersion: str(c.kubernetesVersion),
    certificatesDir: str(c.certificatesDir),
    etcdDataDir: external ? undefined : str(obj(etcd.local).dataDir) ?? DEFAULT_ETCD_DATA_DIR,
    externalEtcd: external,
  };
}

/** The version from a control-plane manifest's image tag (`.../kube-apiserver:v1.34.7`). */
export function versionFromManifest(text: string): string | undefined {
  const pod = parseYaml(text);
  const image = str(obj(arr(obj(pod?.spec).containers)[0]).image);
  const tag = image?.slice(image.lastIndexOf(":") + 1).replace(/[-+@].*$/, "");
  return tag && parseVersion(tag) ? tag : undefined;
}

/** kubeadm's getEtcdDataDir from the Pod: the hostPath of the volume named `etcd-data`. */
export function etcdDataDirFromManifest(text: string): string | undefined {
  const pod = parseYaml(text);
  const vol = arr(obj(pod?.spec).volumes).map(obj).find((v) => v.name === "etcd-data");
  return str(obj(vol?.hostPath).path);
}

/** `--flag=value` values of the etcd container, e.g. initial-advertise-peer-urls. */
export function etcdFlag(text: string, flag: string): string[] {
  const c = obj(arr(obj(parseYaml(text)?.spec).containers)[0]);
  const argv = [...arr(c.command), ...arr(c.args)].filter((a): a is string => typeof a === "string");
  const v = argv.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  return v ? v.split(",").filter(Boolean) : [];
}

/** The CRI endpoint the kubelet was given (instance-config.yaml, else kubeadm-flags.env). */
export function criSocketFromKubeletFiles(instanceConfig?: string, flagsEnv?: string): string | undefined {
  const fromInstance = str(parseYaml(instanceConfig ?? "")?.containerRuntimeEndpoint);
  if (fromInstance) return fromInstance;
  return /--container-runtime-endpoint=([^\s"]+)/.exec(flagsEnv ?? "")?.[1];
}

/** Decodes /proc/mounts octal escapes (`\040` is a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points strictly under `dir` in a /proc/mounts text, deepest first (children before parents). */
export function mountsUnder(procMounts: string, dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  const found = new Set<string>();
  for (const line of procMounts.split("\n")) {
    const point = line.split(" ")[1];
    if (point === undefined) continue;
    const p = unescapeMount(point);
    if (p.startsWith(prefix)) found.add(p);
  }
  const depth = (p: string) => p.split("/").length;
  return [...found].sort((a, b) => depth(b) - depth(a) || b.length - a.length || a.localeCompare(b));
}

/** The commands that remove the Pods' containers, as kubeadm's runtime util runs them. */
export interface ContainerCommands {
  readonly tool: "crictl" | "docker";
  readonly list: readonly string[];
  /** Commands for one ID, in order; all must succeed. */
  perId(id: string): readonly (readonly string[])[];
  readonly attempts: number;
}

export function containerCommands(p: ResetProfile, socket: string, isDockershim: boolean): ContainerCommands {
  if (p.dockershim && isDockershim) {
    return {
      tool: "docker",
      list: ["docker", "ps", "-a", "--filter", "name=k8s_", "-q"],
      perId: (id) => [["docker", "stop", id], ["docker", "rm", "--volumes", id]],
      attempts: 1,
    };
  }
  const r = ["crictl", "-r", socket];
  return {
    tool: "crictl",
    list: [...r, "pods", "-q"],
    perId: (id) => [[...r, "stopp", id], [...r, "rmp", id]],
    attempts: p.removeAttempts,
  };
}

/** The CAs a user may bring; kept unless kadm's record says kadm made them. */
export const CA_BASE_NAMES = ["ca", "front-proxy-ca", "etcd/ca"] as const;

export interface CleanupInput {
  readonly profile: ResetProfile;
  readonly certsDir: string;
  /** Local etcd's data folder when there is local etcd (stateful layout only). */
  readonly etcdDataDir?: string;
  /** The kubelet folder, symlinks resolved, when it could be evaluated and unmounted. */
  readonly kubeletDir?: string;
  readonly cleanupTmpDir: boolean;
}

export interface CleanupPlan {
  /** Folders emptied by cleanup-node, in kubeadm's order. */
  readonly dirs: readonly string[];
  readonly files: readonly string[];
  /** Folders emptied after the phases (v1.20 - v1.26). */
  readonly statefulDirs: readonly string[];
  readonly certsWarning?: string;
}

export function planCleanup(i: CleanupInput): CleanupPlan {
  const p = i.profile;
  const tmp = i.cleanupTmpDir && p.cleanupTmpDirFlag ? [TMP_DIR] : [];
  const kubelet = i.kubeletDir ? [i.kubeletDir] : [];
  const dirs = p.layout === "stateful"
    ? [MANIFESTS_DIR, i.certsDir, ...tmp]
    : [MANIFESTS_DIR, ...kubelet, i.certsDir, ...tmp];
  const statefulDirs = p.layout === "stateful"
    ? [...(i.etcdDataDir ? [i.etcdDataDir] : []), ...kubelet, ...p.statefulExtraDirs]
    : [];
  return {
    dirs,
    files: p.kubeconfigFiles,
    statefulDirs,
    ...(i.certsDir !== DEFAULT_CERTS_DIR
      ? { certsWarning: `[reset] WARNING: Cleaning a non-default certificates directory: "${i.certsDir}"` }
      : {}),
  };
}

export function deletingDirsLine(p: ResetProfile, dirs: readonly string[], dryRun: boolean): string {
  return dryRun
    ? `[reset] Would delete contents of ${p.dirsLabel}: ${goList(dirs)}`
    : `[reset] Deleting contents of ${p.dirsLabel}: ${goList(dirs)}`;
}

export function deletingFilesLine(files: readonly string[], dryRun: boolean): string {
  return `[reset] ${dryRun ? "Would delete" : "Deleting"} files: ${goList(files)}`;
}

export { KUBELET_DIR };
