/**
 * ExternalEtcdVersion: GET <endpoint>/version with the configured CA and client certificate, as
 * kubeadm does (10 s timeout, 3 retries 5 s apart on transport errors and 5xx), and compare the
 * reported etcdserver version with the minor's minimum.
 */
import type { ExternalEtcd } from "../model.ts";
import { compareSemver, parseSemver } from "./node.ts";
import type { PreflightHost } from "./host.ts";
import { atMinor, type ByMinor, type Check, type Finding, finding } from "./types.ts";

/**
 * constants.MinExternalEtcdVersion. "3.2.18" seen for v1.20-era constants; "3.4.13-4" from v1.28
 * (kubernetes#118733, milestone v1.28: "make the minimum version for external etcd 3.4.13-4");
 * "3.5.11-0" from v1.31 (kubernetes#124465, merged 2024-04 for 1.31: "no longer possible to deploy a custom
 * etcd version older than 3.5.11 with kubeadm 1.31"; a feature, not cherry-picked to 1.29/1.30).
 */
export const MIN_EXTERNAL_ETCD: ByMinor<string> = [[20, "3.2.18"], [28, "3.4.13-4"], [31, "3.5.11-0"]];

const TIMEOUT_MS = 10_000;
const RETRIES = 3;
const INTERVAL_MS = 5_000;

function normalize(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*)(\/.*)?$/.exec(url);
  return m ? m[1]! + (m[2] ?? "").replaceAll("//", "/") : url;
}

async function getVersion(
  h: PreflightHost,
  url: string,
  tls: Omit<Parameters<PreflightHost["httpsGet"]>[1], "timeoutMs">,
) {
  let err = "";
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    if (attempt > 0) await h.sleep(INTERVAL_MS);
    try {
      const r = await h.httpsGet(url, { ...tls, timeoutMs: TIMEOUT_MS });
      if (r.status >= 500 && r.status <= 599) {
        err = `server responded with non-successful status: ${r.status} ${r.statusText}`;
        continue;
      }
      try {
        const body = JSON.parse(r.body) as { etcdserver?: unknown };
        return { version: typeof body.etcdserver === "string" ? body.etcdserver : "" };
      } catch (e) {
        return { error: (e as Error).message };
      }
    } catch (e) {
      err = `Get "${url}": ${(e as Error).message}`;
    }
  }
  return { error: err };
}

export function externalEtcdVersionCheck(etcd: ExternalEtcd, minor: number): Check {
  const min = atMinor(MIN_EXTERNAL_ETCD, minor);
  return {
    name: "ExternalEtcdVersion",
    severity: "error",
    async run(h) {
      if (etcd.endpoints.length === 0) return [];
      const tls: { caPem?: string; certPem?: string; keyPem?: string } = {};
      if (etcd.caFile) {
        const ca = await h.readFile(etcd.caFile);
        if (ca === undefined) {
          return [
            finding(
              `couldn't load external etcd's server certificate ${etcd.caFile}: open ${etcd.caFile}: no such file or directory`,
            ),
          ];
        }
        tls.caPem = ca;
      }
      if (etcd.certFile && etcd.keyFile) {
        const [cert, key] = [await h.readFile(etcd.certFile), await h.readFile(etcd.keyFile)];
        if (cert === undefined || key === undefined) {
          const missing = cert === undefined ? etcd.certFile : etcd.keyFile;
          return [
            finding(
              `couldn't load external etcd's certificate and key pair ${etcd.certFile}, ${etcd.keyFile}: ` +
                `open ${missing}: no such file or directory`,
            ),
          ];
        }
        tls.certPem = cert;
        tls.keyPem = key;
      }
      const out: Finding[] = [];
      for (const endpoint of etcd.endpoints) {
        const url = normalize(`${endpoint}/version`);
        const r = await getVersion(h, url, tls);
        if ("error" in r) {
          out.push(finding(r.error ?? "unknown error"));
          continue;
        }
        const v = parseSemver(r.version);
        if (!v) {
          out.push(
            finding(
              `couldn't parse external etcd version "${r.version}": could not parse "${r.version}" as version`,
            ),
          );
        } else if (compareSemver(v, parseSemver(min)!) < 0) {
          out.push(
            finding(
              `this version of kubeadm only supports external etcd version >= ${min}. Current version: ${r.version}`,
            ),
          );
        }
      }
      return out;
    },
  };
}
