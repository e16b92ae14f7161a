/**
 * Preflight checks as kubeadm init runs them, per minor, reading the host only through PreflightHost.
 */
export type { HttpResult, HttpsGetOptions, LookupResult, PreflightHost, RunResult } from "./host.ts";
export { realPreflightHost } from "./host.ts";
export { detectCRISocket, DOCKERSHIM_SOCKET, resolveCRISocket } from "./cri.ts";
export { BINARIES, INIT_CHECKS, initChecks, privilegedUserCheck } from "./list.ts";
export { fatalMessage, ignoreSet, isIgnored, runChecks } from "./run.ts";
export type { CheckSink } from "./run.ts";
export type { Check, CheckInput, Finding, Severity } from "./types.ts";
