/**
 * mark-control-plane (kubeadm's phases/markcontrolplane): the labels and taints put on the Node, the two
 * lines kubeadm prints (their wording changed in v1.21 and v1.24), and the strategic merge patch body.
 * Taints are nodeRegistration.taints, or the minor's defaults when unset; taints the Node already has
 * are kept and not added twice (the patch carries the whole list: Node taints are replaced, not merged).
 */
import type { InitConfig, Taint } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { type NodePatch, nodePatch } from "./uploadconfig.ts";

export interface MarkControlPlane {
  readonly lines: readonly string[];
  readonly labels: readonly string[];
  readonly taints: readonly Taint[];
  readonly patch: NodePatch;
}

/** Go's v1.Taint.ToString(): key[=value]:effect. */
export function taintString(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;
}

function labelsLine(node: string, labels: readonly string[], minor: number): string {
  const head = `[mark-control-plane] Marking the node ${node} as control-plane by adding the labels`;
  if (minor <= 20) {
    // v1.20 printed the master label and the new control-plane label with a "(deprecated)" note.
    return `${head} "${labels[0]}=''" and "${labels[1]}='' (deprecated)"`;
  }
  // v1.21 - v1.23 mark the master label "(deprecated)" in the list (real v1.21.4, v1.22.2, v1.23.9 transcripts).
  const shown = labels.map((
    l,
  ) => (minor <= 23 && l === "node-role.kubernetes.io/master" ? `${l}(deprecated)` : l));
  return `${head}: [${shown.join(" ")}]`;
}

export function markControlPlanePatch(
  cfg: InitConfig,
  info: MinorInfo,
  existingTaints: readonly Taint[] = [],
): MarkControlPlane {
  const node = cfg.nodeRegistration.name;
  const labels = info.controlPlaneLabels;
  const wanted = cfg.nodeRegistration.taints ?? info.controlPlaneTaints;
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const added = wanted.filter((t) => !existingTaints.some((e) => same(e, t)));
  const lines = [labelsLine(node, labels, info.minor)];
  if (wanted.length > 0) {
    lines.push(
      `[mark-control-plane] Marking the node ${node} as control-plane by adding the taints [${
        wanted.map(taintString).join(" ")
      }]`,
    );
  }
  const body: Record<string, unknown> = {
    metadata: { labels: Object.fromEntries(labels.map((l) => [l, ""])) },
  };
  if (added.length > 0) {
    body.spec = {
      taints: [...existingTaints, ...added].map((t) => ({
        effect: t.effect,
        key: t.key,
        ...(t.value ? { value: t.value } : {}),
      })),
    };
  }
  return { lines, labels, taints: wanted, patch: nodePatch(node, body) };
}
