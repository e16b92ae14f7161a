/**
 * The etcd static Pod is judged by its real consumer: a real etcd (Debian's) started with the
 * manifest's own command line, paths and certificates, then asked by etcdctl over mutual TLS.
 *
 * Certificates + manifest come from ONE function, `makeTree(root, spec)`. Today it renders the reference
 * kubeadm v1.20.2 etcd.yaml (10.0.0.10 -> 127.0.0.1) and makes kubeadm-shaped certificates with
 * openssl. The harness (tests/support/etcd.ts) does not care how they were made.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
  adaptFlags,
  assertLoopbackOnly,
  etcdctlHealthy,
  kubeletView,
  mapArgs,
  rejectedFlags,
  runCommand,
  startEtcdFromManifest,
  tempRoot,
  which,
} from "./support/etcd.ts";

/** kubeadm v1.20.2's etcd.yaml, verbatim from shared/reference/kubeadm-v1.20.2/files/etcd.yaml. */
const REFERENCE_ETCD_YAML = `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://10.0.0.10:2379
  creationTimestamp: null
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://10.0.0.10:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --initial-advertise-peer-urls=https://10.0.0.10:2380
    - --initial-cluster=master-1=https://10.0.0.10:2380
    - --key-file=/etc/kubernetes/pki/etcd/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.10:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://10.0.0.10:2380
    - --name=master-1
    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    - --snapshot-count=10000
    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    image: k8s.gcr.io/etcd:3.4.13-0
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 127.0.0.1
        path: /health
        port: 2381
        scheme: HTTP
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: etcd
    resources:
      requests:
        cpu: 100m
        ephemeral-storage: 100Mi
        memory: 100Mi
    startupProbe:
      failureThreshold: 24
      httpGet:
        host: 127.0.0.1
        path: /health
        port: 2381
        scheme: HTTP
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
  hostNetwork: true
  priorityClassName: system-node-critical
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
status: {}
`;

type KeyType = "rsa-2048" | "ecdsa-p256";
/** Which kubeadm generation's etcd flags the manifest carries (kubeadm-modern.md §5.6). */
type FlagSet = "v1.20" | "v1.22-v1.33" | "v1.34";
interface TreeSpec {
  readonly key: KeyType;
  readonly flags: FlagSet;
}
const NODE = "master-1";

/**
 * THE source of certificates + manifest. Writes <root>/etc/kubernetes/pki/etcd/{ca,server,peer,
 * healthcheck-client}.{crt,key} and <root>/etc/kubernetes/manifests/etcd.yaml; returns the manifest path.
 *
 * TODO(lead): replace the body with kadm's own output once main.ts lands, e.g.
 *   npx deno run -A main.ts init --dry-run --dry-run-dir <root> --config <cfg>
 * with <cfg> = ClusterConfiguration/InitConfiguration: advertiseAddress 127.0.0.1, nodeRegistration.name
 * master-1, kubernetesVersion v1.20.2 / v1.33.x / v1.34.x per `spec.flags`, and for ECDSA
 * `encryptionAlgorithm: ECDSA-P256` (v1beta4, v1.31+) or featureGates.PublicKeysECDSA (v1.20). Keep the
 * signature; everything below it stays as is.
 */
async function makeTree(root: string, spec: TreeSpec): Promise<string> {
  const pki = join(root, "etc/kubernetes/pki/etcd");
  await Deno.mkdir(pki, { recursive: true });
  await makeCert(pki, "ca", spec.key, { cn: "etcd-ca", ca: true, san: "DNS:etcd-ca" });
  const hostSAN = `DNS:${NODE},DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1`;
  const both = "serverAuth,clientAuth";
  await makeCert(pki, "server", spec.key, { cn: NODE, eku: both, san: hostSAN });
  await makeCert(pki, "peer", spec.key, { cn: NODE, eku: both, san: hostSAN });
  await makeCert(pki, "healthcheck-client", spec.key, {
    cn: "kube-etcd-healthcheck-client",
    o: "system:masters",
    eku: "clientAuth",
  });
  const manifest = join(root, "etc/kubernetes/manifests/etcd.yaml");
  await Deno.mkdir(join(root, "etc/kubernetes/manifests"), { recursive: true });
  await Deno.writeTextFile(manifest, renderManifest(spec.flags), { mode: 0o600 });
  return manifest;
}

/** The reference manifest on loopback, with the etcd flags of later kubeadm generations added in
 * kubeadm's (sorted) order. */
function renderManifest(flags: FlagSet): string {
  const v120 = REFERENCE_ETCD_YAML.replaceAll("10.0.0.10", "127.0.0.1");
  if (flags === "v1.20") return v120;
  const extra = flags === "v1.34"
    ? ["--feature-gates=InitialCorruptCheck=true", "--watch-progress-notify-interval=5s"]
    : ["--experimental-initial-corrupt-check=true", "--experimental-watch-progress-notify-interval=5s"];
  const pod = parse(v120);
  const [bin, ...rest] = pod.spec.containers[0].command as string[];
  pod.spec.containers[0].command = [bin, ...[...rest, ...extra].sort()];
  return stringify(pod);
}

interface CertSpec {
  readonly cn: string;
  readonly o?: string;
  readonly ca?: boolean;
  readonly eku?: string;
  readonly san?: string;
}

/** A kubeadm-shaped key (PKCS#1 "RSA PRIVATE KEY" / SEC1 "EC PRIVATE KEY", 0600) and certificate. */
async function makeCert(dir: string, name: string, key: KeyType, c: CertSpec): Promise<void> {
  const keyFile = join(dir, `${name}.key`);
  const crt = join(dir, `${name}.crt`);
  const cfg = join(dir, `${name}.cnf`);
  await Deno.writeTextFile(
    cfg,
    [
      "[req]",
      "distinguished_name = dn",
      "prompt = no",
      "[dn]",
      ...(c.o ? [`O = ${c.o}`] : []),
      `CN = ${c.cn}`,
      "[ext]",
      `basicConstraints = critical, CA:${c.ca ? "TRUE" : "FALSE"}`,
      `keyUsage = critical, digitalSignature, keyEncipherment${c.ca ? ", keyCertSign" : ""}`,
      ...(c.eku ? [`extendedKeyUsage = ${c.eku}`] : []),
      ...(c.san ? [`subjectAltName = ${c.san}`] : []),
      "",
    ].join("\n"),
  );
  const serial = `0x${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(16), "")}`;
  await openssl(
    key === "rsa-2048"
      ? ["genrsa", "-traditional", "-out", keyFile, "2048"]
      : ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyFile],
  );
  await Deno.chmod(keyFile, 0o600);
  const common = ["-set_serial", serial, "-out", crt];
  if (c.ca) {
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      keyFile,
      "-config",
      cfg,
      "-extensions",
      "ext",
      "-days",
      "3650",
      ...common,
    ]);
  } else {
    const csr = join(dir, `${name}.csr`);
    await openssl(["req", "-new", "-key", keyFile, "-config", cfg, "-out", csr]);
    const ca = ["-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key")];
    await openssl([
      "x509",
      "-req",
      "-in",
      csr,
      ...ca,
      "-extfile",
      cfg,
      "-extensions",
      "ext",
      "-days",
      "365",
      ...common,
    ]);
    await Deno.remove(csr);
  }
  await Deno.remove(cfg);
}

async function openssl(args: string[]): Promise<void> {
  const r = await runCommand(["openssl", ...args]);
  if (r.code !== 0) throw new Error(`openssl ${args.slice(0, 2).join(" ")} failed: ${r.stderr.trim()}`);
}

// ---- the harness's pure parts ----

Deno.test("the kubelet view maps every etcd path into the root through the hostPath volumes", () => {
  const view = kubeletView(renderManifest("v1.20"));
  const argv = mapArgs(view.argv, view.mounts, "/r");
  assert.equal(argv[0], "etcd");
  assert.ok(argv.includes("--cert-file=/r/etc/kubernetes/pki/etcd/server.crt"));
  assert.ok(argv.includes("--data-dir=/r/var/lib/etcd"));
  assert.ok(argv.includes("--initial-cluster=master-1=https://127.0.0.1:2380"));
  assert.deepEqual(view.probe, { host: "127.0.0.1", port: 2381, path: "/health" });
});

Deno.test("a path outside every volumeMount is refused with the flag that names it", () => {
  const view = kubeletView(renderManifest("v1.20"));
  assert.throws(
    () => mapArgs([...view.argv, "--wal-dir=/var/lib/wal"], view.mounts, "/r"),
    /Path \/var\/lib\/wal in --wal-dir is in no volumeMount/,
  );
});

Deno.test("a manifest that listens on a non-loopback address is never started", () => {
  const view = kubeletView(REFERENCE_ETCD_YAML);
  assert.throws(() => assertLoopbackOnly(view.argv), /uses 10\.0\.0\.10, which is not loopback/);
  assertLoopbackOnly(kubeletView(renderManifest("v1.34")).argv);
});

Deno.test("rejected flags stop the start unless a policy says otherwise, and every change is listed", () => {
  const flags = [
    "--data-dir=/d",
    "--feature-gates=InitialCorruptCheck=true,Foo=true",
    "--watch-progress-notify-interval=5s",
  ];
  const rejected = new Set(["feature-gates", "watch-progress-notify-interval"]);
  assert.throws(
    () => adaptFlags(flags, rejected, "strict", "3.4.23"),
    /etcd 3\.4\.23 rejects --feature-gates=/,
  );
  const t = adaptFlags(flags, rejected, "translate", "3.4.23");
  assert.deepEqual(t.argv, [
    "--data-dir=/d",
    "--experimental-initial-corrupt-check=true",
    "--experimental-watch-progress-notify-interval=5s",
  ]);
  assert.deepEqual(t.adjustments.map((a) => `${a.flag} ${a.action}`), [
    "--feature-gates=InitialCorruptCheck=true replaced",
    "--feature-gates=Foo=true dropped",
    "--watch-progress-notify-interval=5s replaced",
  ]);
  assert.deepEqual(adaptFlags(flags, rejected, "drop", "3.4.23").argv, ["--data-dir=/d"]);
});

const SHARED_REFERENCE = new URL("../../shared/reference/kubeadm-v1.20.2/files/etcd.yaml", import.meta.url);
const haveShared = await Deno.stat(SHARED_REFERENCE).then(() => true, () => false);

Deno.test({
  name: "the embedded reference manifest is the one in shared/reference",
  ignore: !haveShared,
  fn: async () => assert.equal(REFERENCE_ETCD_YAML, await Deno.readTextFile(SHARED_REFERENCE)),
});

// ---- a real etcd ----

const etcdBinary = await which("etcd");
const needsEtcd = { ignore: etcdBinary === undefined && Deno.env.get("CI") !== "true" };
const canNetns = Deno.uid() === 0 && (await which("ip")) !== undefined;

/** Debian's etcd version as [major, minor]. */
async function etcdMinor(): Promise<[number, number]> {
  const v = /etcd Version: (\d+)\.(\d+)/.exec((await runCommand(["etcd", "--version"])).stdout);
  return [Number(v?.[1]), Number(v?.[2])];
}

Deno.test({
  name:
    "the local etcd accepts every flag of the v1.20 and v1.22-v1.33 manifests and names the v1.34 ones it lacks",
  ...needsEtcd,
  fn: async () => {
    for (const flags of ["v1.20", "v1.22-v1.33"] as const) {
      const argv = kubeletView(renderManifest(flags)).argv.slice(1);
      assert.deepEqual([...await rejectedFlags("etcd", argv)], [], `flags of ${flags}`);
    }
    const [major, minor] = await etcdMinor();
    const modern = await rejectedFlags("etcd", kubeletView(renderManifest("v1.34")).argv.slice(1));
    const expected = major === 3 && minor < 6 ? ["feature-gates", "watch-progress-notify-interval"] : [];
    assert.deepEqual([...modern].sort(), expected);
  },
});

for (const key of ["rsa-2048", "ecdsa-p256"] as const) {
  Deno.test({
    name: `etcd starts from the v1.20 manifest with ${key} certificates and serves etcdctl over mutual TLS`,
    ...needsEtcd,
    fn: async () => {
      await using root = await tempRoot();
      const manifest = await makeTree(root.path, { key, flags: "v1.20" });
      await using etcd = await startEtcdFromManifest(manifest, root.path);
      assert.equal(etcd.endpoint, "https://127.0.0.1:2379");
      assert.deepEqual(etcd.adjustments, []);
      const report = await etcdctlHealthy(etcd);
      assert.match(report.health, /https:\/\/127\.0\.0\.1:2379 is healthy/);
      // --client-cert-auth=true: a client without a certificate from the etcd CA is turned away.
      const anon = await etcd.exec([
        "etcdctl",
        `--endpoints=${etcd.endpoint}`,
        `--cacert=${join(root.path, "etc/kubernetes/pki/etcd/ca.crt")}`,
        "--command-timeout=1s",
        "--dial-timeout=1s",
        "endpoint",
        "health",
      ], { ETCDCTL_API: "3" });
      assert.notEqual(anon.code, 0, `etcd accepted a client without a certificate:\n${anon.stdout}`);
      assert.match(etcd.log(), /rejected connection .*client didn't provide a certificate/);
      // The data went where the hostPath volume says: <root>/var/lib/etcd.
      assert.ok((await Deno.stat(join(root.path, "var/lib/etcd/member/snap/db"))).isFile);
    },
  });
}

Deno.test({
  name: "etcd starts from a v1.22-v1.33 manifest (etcd 3.5 flags) with no flag changed",
  ...needsEtcd,
  fn: async () => {
    await using root = await tempRoot();
    const manifest = await makeTree(root.path, { key: "ecdsa-p256", flags: "v1.22-v1.33" });
    await using etcd = await startEtcdFromManifest(manifest, root.path);
    assert.deepEqual(etcd.adjustments, []);
    assert.ok(etcd.argv.includes("--experimental-initial-corrupt-check=true"));
    await etcdctlHealthy(etcd);
  },
});

Deno.test({
  name: "etcd starts from a v1.34 manifest (etcd 3.6 flags) with every flag the local etcd lacks listed",
  ...needsEtcd,
  fn: async () => {
    await using root = await tempRoot();
    const manifest = await makeTree(root.path, { key: "rsa-2048", flags: "v1.34" });
    const [major, minor] = await etcdMinor();
    if (major === 3 && minor < 6) {
      // By default the harness refuses, naming every flag: nothing is dropped silently.
      await assert.rejects(
        startEtcdFromManifest(manifest, root.path),
        /rejects --feature-gates=InitialCorruptCheck=true, --watch-progress-notify-interval=5s/,
      );
    }
    await using etcd = await startEtcdFromManifest(manifest, root.path, { flagPolicy: "translate" });
    for (const a of etcd.adjustments) {
      console.log(
        `  etcd ${etcd.version} lacks ${a.flag}: ${a.action}${a.replacement ? ` by ${a.replacement}` : ""}`,
      );
    }
    assert.ok(etcd.adjustments.every((a) => /feature-gates|watch-progress-notify-interval/.test(a.flag)));
    await etcdctlHealthy(etcd);
  },
});

Deno.test({
  name: "two etcds from manifests with the same fixed ports run side by side in their own namespaces",
  ignore: needsEtcd.ignore || !canNetns,
  fn: async () => {
    await using a = await tempRoot();
    await using b = await tempRoot();
    await using first = await startEtcdFromManifest(
      await makeTree(a.path, { key: "rsa-2048", flags: "v1.20" }),
      a.path,
    );
    await using second = await startEtcdFromManifest(
      await makeTree(b.path, { key: "ecdsa-p256", flags: "v1.20" }),
      b.path,
    );
    assert.equal(first.isolation, "netns");
    await Promise.all([etcdctlHealthy(first), etcdctlHealthy(second)]);
  },
});

Deno.test({
  name: "an etcd that cannot start reports its own log",
  ...needsEtcd,
  fn: async () => {
    await using root = await tempRoot();
    const manifest = await makeTree(root.path, { key: "rsa-2048", flags: "v1.20" });
    await Deno.writeTextFile(join(root.path, "etc/kubernetes/pki/etcd/server.crt"), "not a certificate\n");
    await assert.rejects(
      startEtcdFromManifest(manifest, root.path, { startTimeoutMs: 15_000 }),
      (e: Error) => {
        assert.match(e.message, /etcd exited with code \d+ before it became healthy[\s\S]*--- etcd log/);
        return true;
      },
    );
  },
});
