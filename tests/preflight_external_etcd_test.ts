/**
 * Preflight with an external etcd: its version is fetched over HTTPS with its client certificate, and the
 * local etcd checks are skipped.
 */
import { assert, assertEquals } from "./_std.ts";
import type { InitConfig } from "../lib/model.ts";
import { errorLines, preflight } from "./preflight_support.ts";

const external = (c: InitConfig): InitConfig => ({
  ...c,
  cluster: {
    ...c.cluster,
    etcd: {
      external: {
        endpoints: ["https://10.0.0.20:2379"],
        caFile: "/etc/etcd/ca.crt",
        certFile: "/etc/etcd/client.crt",
        keyFile: "/etc/etcd/client.key",
      },
    },
  },
});
const ETCD_FILES = {
  "/etc/etcd/ca.crt": "CA",
  "/etc/etcd/client.crt": "CERT",
  "/etc/etcd/client.key": "KEY",
};
const etcdAnswer = (v: string) => ({
  status: 200,
  statusText: "OK",
  body: JSON.stringify({ etcdserver: v, etcdcluster: "3.5.0" }),
});

Deno.test("external etcd of a supported version passes, without the local etcd checks", async () => {
  const r = await preflight("v1.34.7", {
    cfg: external,
    host: {
      files: ETCD_FILES,
      https: { "https://10.0.0.20:2379/version": etcdAnswer("3.5.21") },
      busyPorts: [2379, 2380],
    },
  });
  assertEquals(r.error, undefined);
  assert(r.calls.includes("GET https://10.0.0.20:2379/version"));
});

Deno.test("external etcd that is too old, unreachable or without its certificates fails", async () => {
  const old = await preflight("v1.34.7", {
    cfg: external,
    host: { files: ETCD_FILES, https: { "https://10.0.0.20:2379/version": etcdAnswer("3.4.3") } },
  });
  assertEquals(errorLines(old), [
    "\t[ERROR ExternalEtcdVersion]: this version of kubeadm only supports external etcd version >= 3.5.11-0. Current version: 3.4.3",
  ]);
  const down = await preflight("v1.20.2", { cfg: external, host: { files: ETCD_FILES } });
  assertEquals(errorLines(down), [
    '\t[ERROR ExternalEtcdVersion]: Get "https://10.0.0.20:2379/version": dial tcp: connection refused',
  ]);
  assertEquals(down.calls.filter((c) => c.startsWith("GET")).length, 4, "kubeadm tries 1 + 3 times");
  const noKey = await preflight("v1.34.7", {
    cfg: external,
    host: {
      files: { ...ETCD_FILES, "/etc/etcd/client.key": undefined },
      https: { "https://10.0.0.20:2379/version": etcdAnswer("3.5.21") },
    },
  });
  assertEquals(errorLines(noKey), [
    "\t[ERROR ExternalEtcdVersion]: couldn't load external etcd's certificate and key pair /etc/etcd/client.crt, /etc/etcd/client.key: open /etc/etcd/client.key: no such file or directory",
    "\t[ERROR ExternalEtcdClientCertificates]: /etc/etcd/client.key doesn't exist",
  ]);
});

Deno.test("the minimum external etcd is 3.2.18 up to v1.27 and 3.4.13-4 from v1.28 (kubernetes#118733)", async () => {
  const host = { files: ETCD_FILES, https: { "https://10.0.0.20:2379/version": etcdAnswer("3.3.10") } };
  assertEquals(errorLines(await preflight("v1.27.16", { cfg: external, host })), []);
  assertEquals(errorLines(await preflight("v1.28.15", { cfg: external, host })), [
    "\t[ERROR ExternalEtcdVersion]: this version of kubeadm only supports external etcd version >= 3.4.13-4. Current version: 3.3.10",
  ]);
});
