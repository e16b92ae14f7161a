/**
 * The Kubernetes API client (entry point). Parts:
 * - lib/kubeapi/resources.ts  kinds table, pathFor
 * - lib/kubeapi/errors.ts     ApiError from Status JSON, isNotFound/isAlreadyExists/isConflict/isForbidden
 * - lib/kubeapi/client.ts     the KubeClient contract and the generic verbs (createOrUpdate, patchNode, ...)
 * - lib/kubeapi/http.ts       the HTTPS client (cluster CA only, mTLS or token, retries, timeouts)
 * - lib/kubeapi/dryrun.ts     the dry-run client printing kubeadm's `[dryrun] Would perform action ...`
 */
export * from "./kubeapi/resources.ts";
export * from "./kubeapi/errors.ts";
export * from "./kubeapi/client.ts";
export * from "./kubeapi/http.ts";
export * from "./kubeapi/dryrun.ts";
export { type KubeconfigUser, kubeconfigUser } from "./kubeapi/kubeconfig_user.ts";
