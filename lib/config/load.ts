/**
 * `kadm init` configuration loading: a --config file (any supported dialect, multi-document) or the
 * flags, into one defaulted, validated InitConfig. Every problem is collected and reported at once
 * as one UserError (one self-contained line per problem) before anything is written.
 */
import type { InitConfig } from "../model.ts";
import { UserError } from "../errors.ts";
import {
  clusterV1beta2,
  clusterV1beta3,
  clusterV1beta4,
  initV1beta2,
  initV1beta3,
  initV1beta4,
  masterV1alpha1,
} from "./dialects.ts";
import type { ClusterDoc, InitDoc, MasterDoc } from "./dialects.ts";
import { type Draft, newDraft, type RunOptions } from "./draft.ts";
import { finish, type HostFacts } from "./finish.ts";
import { applyAllFlags, applyRuntimeFlags, checkMixedArguments, type InitFlags } from "./flags.ts";
import { at, Problems } from "./problems.ts";
import type { ReadCx } from "./read_common.ts";
import { applyMaster } from "./read_v1alpha1.ts";
import { type Api, applyCluster, applyInit } from "./read_v1beta.ts";
import { validateInitConfig } from "./validate.ts";
import { parseYamlDocuments } from "./yaml_source.ts";

export interface LoadInitOptions {
  /** Contents of the --config file, when given. */
  readonly configText?: string;
  /** Its path, for messages. */
  readonly configPath?: string;
  /** The flags the user gave (undefined fields = not given). */
  readonly flags?: InitFlags;
  /** This host's facts (name, address, token source); undefined = the config alone (config validate). */
  readonly host: HostFacts | undefined;
}

export interface LoadedInit {
  readonly cfg: InitConfig;
  readonly warnings: string[];
  /** Run-time switches that are not cluster configuration. */
  readonly options: RunOptions;
}

export function loadInitConfig(o: LoadInitOptions): LoadedInit {
  const r = build(o.configText, o.configPath ?? "config", o.flags ?? {}, o.host);
  return { cfg: r.cfg, warnings: r.warnings, options: r.draft.options };
}

/** Reads the --config file, then loads; a missing or unreadable file is a UserError. */
export async function loadInitConfigFile(
  path: string,
  flags: InitFlags,
  host: HostFacts,
): Promise<LoadedInit> {
  return loadInitConfig({ configText: await readConfigText(path), configPath: path, flags, host });
}

/** The text of a `--config` file; an unreadable one is a UserError naming it. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Error
      ? e.message
      : String(e);
    throw new UserError(`Cannot read the config file ${path}: ${why}`, { cause: e });
  }
}

const KUBEADM = "kubeadm.k8s.io/";
const IGNORED_KINDS = [
  "JoinConfiguration",
  "ResetConfiguration",
  "UpgradeConfiguration",
  "NodeConfiguration",
];

export interface Built {
  readonly cfg: InitConfig;
  readonly warnings: string[];
  readonly draft: Draft;
}

/** The whole pipeline; `host` undefined = static defaults only (config migrate). */
export function build(
  text: string | undefined,
  file: string,
  flags: InitFlags,
  host: HostFacts | undefined,
): Built {
  const problems = new Problems();
  const warnings: string[] = [];
  const origins = new Map<string, string>();
  const d = newDraft();
  const base = { problems, origins, warnings };
  const flagCx: ReadCx = { ...base, docName: "flags", lineOf: () => undefined };

  if (text !== undefined) {
    checkMixedArguments(flags, problems);
    readDocuments(text, file, d, base);
    applyRuntimeFlags(flagCx, d, flags);
  } else {
    applyAllFlags(flagCx, d, flags, origins);
  }
  const cfg = finish(flagCx, d, host);
  validateInitConfig(cfg, origins, problems, warnings, host === undefined);
  problems.throwIfAny();
  return { cfg, warnings, draft: d };
}

function readDocuments(
  text: string,
  file: string,
  d: Draft,
  base: { problems: Problems; origins: Map<string, string>; warnings: string[] },
): void {
  const { problems, warnings } = base;
  const docs = parseYamlDocuments(text, file, problems);
  const seen = new Set<string>();
  let kubeadmDocs = 0;
  for (const doc of docs) {
    const where = at(file, doc.line);
    if (typeof doc.value !== "object" || doc.value === null || Array.isArray(doc.value)) {
      problems.add(`Invalid document in ${where}: expected a map with apiVersion and kind`);
      continue;
    }
    const v = doc.value as Record<string, unknown>;
    const apiVersion = typeof v.apiVersion === "string" ? v.apiVersion : "";
    const kind = typeof v.kind === "string" ? v.kind : "";
    if (apiVersion === "" || kind === "") {
      problems.add(
        `Missing ${
          apiVersion === "" ? "apiVersion" : "kind"
        } in the document at ${where}: every document needs apiVersion and kind`,
      );
      continue;
    }
    const docName = `${apiVersion} ${kind}`;
    const rc: ReadCx = { ...base, docName, lineOf: (p) => doc.lines.get(p) };
    const once = () => {
      if (seen.has(kind)) problems.add(`Duplicate ${kind} document in ${where}: give each kind once`);
      seen.add(kind);
    };
    const api = apiVersion.startsWith(KUBEADM) ? apiVersion.slice(KUBEADM.length) : "";
    if (api !== "" && IGNORED_KINDS.includes(kind)) {
      warnings.push(
        `Ignoring the ${docName} document in ${where}: kadm init reads only Init/ClusterConfiguration`,
      );
      continue;
    }
    if ((api === "v1beta2" || api === "v1beta3" || api === "v1beta4") && kind === "InitConfiguration") {
      once();
      kubeadmDocs++;
      const schema = api === "v1beta2" ? initV1beta2 : api === "v1beta3" ? initV1beta3 : initV1beta4;
      const decoded = schema(v, "", rc);
      if (decoded) applyInit(rc, d, decoded as InitDoc, api as Api);
    } else if (
      (api === "v1beta2" || api === "v1beta3" || api === "v1beta4") && kind === "ClusterConfiguration"
    ) {
      once();
      kubeadmDocs++;
      const schema = api === "v1beta2" ? clusterV1beta2 : api === "v1beta3" ? clusterV1beta3 : clusterV1beta4;
      const decoded = schema(v, "", rc);
      if (decoded) applyCluster(rc, d, decoded as ClusterDoc & Record<string, unknown>, api as Api);
    } else if (api === "v1alpha1" && kind === "MasterConfiguration") {
      once();
      kubeadmDocs++;
      const decoded = masterV1alpha1(v, "", rc);
      if (decoded) applyMaster(rc, d, decoded as MasterDoc);
    } else if (apiVersion === "kubelet.config.k8s.io/v1beta1" && kind === "KubeletConfiguration") {
      once();
      d.kubeletConfiguration = v;
    } else if (apiVersion === "kubeproxy.config.k8s.io/v1alpha1" && kind === "KubeProxyConfiguration") {
      once();
      d.kubeProxyConfiguration = v;
    } else {
      problems.add(
        `Unknown apiVersion/kind "${docName}" in ${where}: kadm reads kubeadm.k8s.io/v1beta2, v1beta3, v1beta4 (InitConfiguration, ClusterConfiguration), v1alpha1 MasterConfiguration, kubelet.config.k8s.io/v1beta1 KubeletConfiguration and kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration`,
      );
    }
  }
  if (
    seen.has("MasterConfiguration") && (seen.has("InitConfiguration") || seen.has("ClusterConfiguration"))
  ) {
    problems.add(
      `Invalid config ${file}: a v1alpha1 MasterConfiguration cannot be mixed with Init/ClusterConfiguration documents`,
    );
  }
  if (kubeadmDocs === 0 && !problems.any) {
    problems.add(
      `No InitConfiguration, ClusterConfiguration or MasterConfiguration document found in ${file}`,
    );
  }
}
