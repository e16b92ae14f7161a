/**
 * Discovery and version documents of the test API server: legacy discovery (`/api`, `/apis`,
 * `/apis/<group>`, `/api/v1`, `/apis/<group>/<version>`) for the kinds it serves — what kubectl falls
 * back to when the answer is not aggregated discovery — and `/version`.
 */
import { GROUP_VERSIONS, type KubeObject, RESOURCES } from "./apiserver_types.ts";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export function discovery(path: string, serverAddress: string): KubeObject | undefined {
  if (path === "/api") {
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
    };
  }
  const groups = [
    ...new Set(GROUP_VERSIONS.filter((gv) => gv.group !== "").map((gv) => gv.group)),
    "authentication.k8s.io",
  ];
  const groupDoc = (g: string) => {
    const v = { groupVersion: `${g}/v1`, version: "v1" };
    return { name: g, versions: [v], preferredVersion: v };
  };
  if (path === "/apis") return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(groupDoc) };
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/(v1))$/.exec(path);
  const g1 = /^\/apis\/([^/]+)$/.exec(path);
  if (g1 && groups.includes(g1[1]!)) return { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g1[1]!) };
  if (!m) return undefined;
  const group = m[2] ?? "";
  if (group !== "" && !groups.includes(group)) return undefined;
  const resources = RESOURCES.filter((r) => r.group === group).map((r) => ({
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.kind === "Namespace" ? VERBS.filter((v) => v !== "deletecollection") : VERBS,
    ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
  }));
  if (group === "authentication.k8s.io") {
    resources.push({
      name: "selfsubjectreviews",
      singularName: "selfsubjectreview",
      namespaced: false,
      kind: "SelfSubjectReview",
      verbs: ["create"],
    });
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/v1` : "v1", resources };
}

export function versionInfo(gitVersion: string): KubeObject {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "0",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.24.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}
