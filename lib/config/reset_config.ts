/**
 * `kadm reset --config F`: kubeadm's ResetConfiguration (kubeadm.k8s.io/v1beta4; kubeadm v1.31+, v1.29-v1.30
 * behind --allow-experimental-api). Other kubeadm documents in the file are ignored with a warning, as
 * kubeadm does; unknown fields and bad values are refused with their line.
 */
import { UserError } from "../errors.ts";
import { parseGoDuration } from "./durations.ts";
import { at, Problems } from "./problems.ts";
import { bool, type Cx, list, obj, str } from "./schema.ts";
import { timeoutsV1beta4 } from "./dialects.ts";
import { parseYamlDocuments } from "./yaml_source.ts";

const resetV1beta4 = obj({
  apiVersion: str,
  kind: str,
  cleanupTmpDir: bool,
  certificatesDir: str,
  criSocket: str,
  dryRun: bool,
  force: bool,
  ignorePreflightErrors: list(str),
  skipPhases: list(str),
  unmountFlags: list(str),
  timeouts: timeoutsV1beta4,
});

/** kubeadm's unmountFlags and the umount(8) option kadm passes for each (kubeadm calls umount2). */
export const UNMOUNT_FLAGS: Readonly<Record<string, string | undefined>> = {
  MNT_FORCE: "--force",
  MNT_DETACH: "--lazy",
  MNT_EXPIRE: undefined,
  UMOUNT_NOFOLLOW: undefined,
};

export interface ResetConfig {
  readonly cleanupTmpDir?: boolean;
  readonly certificatesDir?: string;
  readonly criSocket?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly ignorePreflightErrors: readonly string[];
  readonly skipPhases?: readonly string[];
  /** umount(8) options for unmountFlags. */
  readonly umountArgs: readonly string[];
  /** Seconds. */
  readonly kubernetesAPICall?: number;
  readonly etcdAPICall?: number;
}

const KUBEADM_KINDS = [
  "InitConfiguration",
  "ClusterConfiguration",
  "JoinConfiguration",
  "UpgradeConfiguration",
];

export function loadResetConfig(text: string, file: string): { cfg: ResetConfig; warnings: string[] } {
  const problems = new Problems();
  const warnings: string[] = [];
  let found:
    | { decoded: ReturnType<typeof resetV1beta4>; lineOf: (p: string) => number | undefined }
    | undefined;
  for (const doc of parseYamlDocuments(text, file, problems)) {
    const where = at(file, doc.line);
    const v = doc.value as Record<string, unknown> | null;
    const apiVersion = typeof v?.apiVersion === "string" ? v.apiVersion : "";
    const kind = typeof v?.kind === "string" ? v.kind : "";
    if (kind === "ResetConfiguration") {
      if (apiVersion !== "kubeadm.k8s.io/v1beta4") {
        problems.add(
          `Invalid apiVersion "${apiVersion}" of the ResetConfiguration in ${where}: it exists only in kubeadm.k8s.io/v1beta4`,
        );
        continue;
      }
      if (found) {
        problems.add(`Duplicate ResetConfiguration document in ${where}: give it once`);
        continue;
      }
      const cx: Cx = { problems, docName: `${apiVersion} ${kind}`, lineOf: (p) => doc.lines.get(p) };
      found = { decoded: resetV1beta4(v, "", cx), lineOf: cx.lineOf };
    } else if (apiVersion.startsWith("kubeadm.k8s.io/") && KUBEADM_KINDS.includes(kind)) {
      warnings.push(
        `Ignoring the ${apiVersion} ${kind} document in ${where}: kadm reset reads only ResetConfiguration`,
      );
    } else {
      problems.add(
        `Unexpected document in ${where} (${apiVersion || "no apiVersion"} ${
          kind || "no kind"
        }): kadm reset --config reads a kubeadm.k8s.io/v1beta4 ResetConfiguration`,
      );
    }
  }
  problems.throwIfAny();
  if (!found) {
    throw new UserError(
      `No ResetConfiguration in ${file}: add a document with apiVersion: kubeadm.k8s.io/v1beta4 and kind: ResetConfiguration`,
    );
  }
  const r = found.decoded;
  const lineOf = found.lineOf;
  const line = (p: string) => at(p, lineOf(p));
  if (r?.certificatesDir !== undefined && !r.certificatesDir.startsWith("/")) {
    problems.add(
      `Invalid value for ${line("certificatesDir")}: "${r.certificatesDir}" is not an absolute path`,
    );
  }
  const umountArgs: string[] = [];
  (r?.unmountFlags ?? []).forEach((f, i) => {
    const p = line(`unmountFlags[${i}]`);
    if (!Object.hasOwn(UNMOUNT_FLAGS, f)) {
      problems.add(`Invalid value for ${p}: "${f}"; use ${Object.keys(UNMOUNT_FLAGS).join(", ")}`);
    } else if (UNMOUNT_FLAGS[f] === undefined) {
      problems.add(
        `Unsupported value for ${p}: "${f}" has no umount(8) option, and kadm unmounts with umount(8); use MNT_FORCE or MNT_DETACH`,
      );
    } else umountArgs.push(UNMOUNT_FLAGS[f]!);
  });
  const secs = (name: "kubernetesAPICall" | "etcdAPICall"): number | undefined => {
    const t = r?.timeouts?.[name];
    if (t === undefined) return undefined;
    const s = parseGoDuration(t);
    if (s === undefined || s <= 0) {
      problems.add(
        `Invalid value for ${line(`timeouts.${name}`)}: "${t}" is not a positive duration, e.g. 1m0s`,
      );
    }
    return s;
  };
  const kubernetesAPICall = secs("kubernetesAPICall");
  const etcdAPICall = secs("etcdAPICall");
  for (const name of Object.keys(r?.timeouts ?? {})) {
    const t = (r?.timeouts as Record<string, string>)[name]!;
    if (parseGoDuration(t) === undefined) {
      problems.add(`Invalid value for ${line(`timeouts.${name}`)}: "${t}" is not a duration`);
    }
  }
  problems.throwIfAny();
  return {
    cfg: {
      ...(r?.cleanupTmpDir !== undefined ? { cleanupTmpDir: r.cleanupTmpDir } : {}),
      ...(r?.certificatesDir !== undefined ? { certificatesDir: r.certificatesDir } : {}),
      ...(r?.criSocket !== undefined ? { criSocket: r.criSocket } : {}),
      ...(r?.dryRun !== undefined ? { dryRun: r.dryRun } : {}),
      ...(r?.force !== undefined ? { force: r.force } : {}),
      ignorePreflightErrors: r?.ignorePreflightErrors ?? [],
      ...(r?.skipPhases !== undefined ? { skipPhases: r.skipPhases } : {}),
      umountArgs: [...new Set(umountArgs)],
      ...(kubernetesAPICall !== undefined ? { kubernetesAPICall } : {}),
      ...(etcdAPICall !== undefined ? { etcdAPICall } : {}),
    },
    warnings,
  };
}
