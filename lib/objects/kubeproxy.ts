/**
 * addon/kube-proxy (kubeadm's phases/addons/proxy): ServiceAccount, the kube-proxy ConfigMap
 * (`config.conf` = KubeProxyConfiguration, `kubeconfig.conf` = in-cluster kubeconfig pointing at the
 * control-plane endpoint, both block scalars without a final newline, plus the component-config hash
 * when kubeadm generated the configuration), the DaemonSet, ClusterRoleBinding kubeadm:node-proxier and
 * the kube-proxy Role/RoleBinding for bootstrap tokens.
 */
import type { EnvVar, InitConfig } from "../model.ts";
import type { MinorInfo } from "../versions.ts";
import { kubernetesImage } from "../images.ts";
import { toKubeYaml } from "../yaml.ts";
import { COMPONENT_CONFIG_HASH, configMapChecksum } from "./hash.ts";
import { kubeProxyConfigObject } from "./kubeproxy_config.ts";
import {
  binding,
  BOOTSTRAPPERS_GROUP,
  type ConfigMap,
  configMap,
  getNamed,
  group,
  KUBE_SYSTEM,
  type KubeObject,
  meta,
  role,
  serviceAccount,
  type Step,
} from "./types.ts";

export const KUBE_PROXY = "kube-proxy";

export interface KubeProxyObjects {
  readonly serviceAccount: KubeObject;
  readonly configMap: ConfigMap;
  readonly daemonSet: KubeObject;
  readonly clusterRoleBinding: KubeObject;
  readonly role: KubeObject;
  readonly roleBinding: KubeObject;
  /** Objects in kubeadm's creation order for the minor, then the `[addons] Applied ...` line. */
  readonly steps: readonly Step[];
}

/** The in-cluster kubeconfig kube-proxy reads (a fixed template in kubeadm, not sorted). */
export function kubeProxyKubeconfig(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    "    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    `    server: ${server}`,
    "  name: default",
    "contexts:",
    "- context:",
    "    cluster: default",
    "    namespace: default",
    "    user: default",
    "  name: default",
    "current-context: default",
    "users:",
    "- name: default",
    "  user:",
    "    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token",
  ].join("\n");
}

function daemonSet(cfg: InitConfig, info: MinorInfo, proxyEnv: readonly EnvVar[]): KubeObject {
  const labels = { "k8s-app": KUBE_PROXY };
  // kubernetes#101966 (v1.22) dropped the redundant CriticalAddonsOnly toleration.
  const tolerations = info.minor <= 21
    ? [{ key: "CriticalAddonsOnly", operator: "Exists" }, { operator: "Exists" }]
    : [{ operator: "Exists" }];
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: meta(KUBE_PROXY, KUBE_SYSTEM, { labels }),
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { creationTimestamp: null, labels },
        spec: {
          containers: [{
            command: [
              "/usr/local/bin/kube-proxy",
              "--config=/var/lib/kube-proxy/config.conf",
              "--hostname-override=$(NODE_NAME)",
            ],
            env: [
              { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
              ...proxyEnv.map((e) => ({ name: e.name, value: e.value })),
            ],
            image: kubernetesImage(cfg, info, "kube-proxy"),
            imagePullPolicy: "IfNotPresent",
            name: KUBE_PROXY,
            resources: {},
            securityContext: { privileged: true },
            volumeMounts: [
              { mountPath: "/var/lib/kube-proxy", name: KUBE_PROXY },
              { mountPath: "/run/xtables.lock", name: "xtables-lock" },
              { mountPath: "/lib/modules", name: "lib-modules", readOnly: true },
            ],
          }],
          hostNetwork: true,
          nodeSelector: { "kubernetes.io/os": "linux" },
          priorityClassName: "system-node-critical",
          serviceAccountName: KUBE_PROXY,
          tolerations,
          volumes: [
            { configMap: { name: KUBE_PROXY }, name: KUBE_PROXY },
            { hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" }, name: "xtables-lock" },
            { hostPath: { path: "/lib/modules" }, name: "lib-modules" },
          ],
        },
      },
      updateStrategy: { type: "RollingUpdate" },
    },
    status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 },
  };
}

/**
 * @param server the control-plane endpoint URL (controlPlaneURL(cfg)).
 * @param proxyEnv HTTP(S)_PROXY/NO_PROXY variables of kubeadm's environment, which it copies into the
 *   DaemonSet (kubeadmutil.GetProxyEnvVars); [] for a reproducible result.
 */
export function kubeProxyObjects(
  cfg: InitConfig,
  info: MinorInfo,
  server: string,
  proxyEnv: readonly EnvVar[] = [],
): KubeProxyObjects {
  const data = {
    "config.conf": toKubeYaml(kubeProxyConfigObject(cfg, info)).replace(/\n$/, ""),
    "kubeconfig.conf": kubeProxyKubeconfig(server),
  };
  const signed = cfg.kubeProxyConfiguration === undefined;
  const cm = configMap(
    meta(KUBE_PROXY, KUBE_SYSTEM, {
      labels: { app: KUBE_PROXY },
      ...(signed ? { annotations: { [COMPONENT_CONFIG_HASH]: configMapChecksum(data) } } : {}),
    }),
    data,
  );
  const sa: KubeObject = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(KUBE_PROXY, KUBE_SYSTEM),
  };
  const ds = daemonSet(cfg, info, proxyEnv);
  const crb = binding(
    "ClusterRoleBinding",
    meta("kubeadm:node-proxier"),
    { kind: "ClusterRole", name: "system:node-proxier" },
    [serviceAccount(KUBE_PROXY)],
  );
  const r = role("Role", meta(KUBE_PROXY, KUBE_SYSTEM), [getNamed("configmaps", KUBE_PROXY)]);
  const rb = binding("RoleBinding", meta(KUBE_PROXY, KUBE_SYSTEM), { kind: "Role", name: KUBE_PROXY }, [
    group(BOOTSTRAPPERS_GROUP),
  ]);
  // v1.25: the --print-manifest refactor (kubernetes#109995, CHANGELOG-1.25) creates the ConfigMap and the
  // DaemonSet first, then printOrCreateKubeProxyObjects the SA/RBAC (v1.24.3 still creates the SA first).
  const order = info.minor <= 24 ? [sa, cm, ds, crb, r, rb] : [cm, ds, sa, crb, r, rb];
  return {
    serviceAccount: sa,
    configMap: cm,
    daemonSet: ds,
    clusterRoleBinding: crb,
    role: r,
    roleBinding: rb,
    steps: [{ objects: order }, { line: "[addons] Applied essential addon: kube-proxy", objects: [] }],
  };
}
