/**
 * The bootstrap signer controller (pkg/controller/bootstrap/bootstrapsigner.go), which kube-controller-
 * manager runs in a kubeadm cluster: it keeps one `jws-kubeconfig-<token-id>` key in the kube-public
 * `cluster-info` ConfigMap per valid signing token — a detached JWS (HS256, header {"alg","kid"}, keyed
 * by the token secret) over the `kubeconfig` value — and drops keys of tokens that are gone. Like the
 * real controller it acts after the write, not inside it.
 */
import type { ObjectStore } from "./apiserver_store.ts";
import { findResource, type KubeObject } from "./apiserver_types.ts";

const PREFIX = "jws-kubeconfig-";

const b64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const dec = (v: unknown) => {
  try {
    return typeof v === "string"
      ? new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)))
      : "";
  } catch {
    return "";
  }
};

/** `<header>..<signature>`: the compact JWS with the payload left out. */
export async function detachedJws(content: string, tokenId: string, tokenSecret: string): Promise<string> {
  const enc = new TextEncoder();
  const header = b64url(enc.encode(JSON.stringify({ alg: "HS256", kid: tokenId })));
  const input = `${header}.${b64url(enc.encode(content))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(tokenSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(input)));
  return `${header}..${b64url(sig)}`;
}

function signingTokens(store: ObjectStore, now: Date): { id: string; secret: string }[] {
  const secrets = store.list(findResource("", "v1", "secrets")!, "kube-system");
  return secrets.filter((s) => s.type === "bootstrap.kubernetes.io/token" && s.data).flatMap(
    (s: KubeObject) => {
      const d = (k: string) => dec(s.data[k]);
      const exp = d("expiration");
      if (d("usage-bootstrap-signing") !== "true") return [];
      if (exp !== "" && !(Date.parse(exp) > now.getTime())) return [];
      return /^[a-z0-9]{6}$/.test(d("token-id")) ? [{ id: d("token-id"), secret: d("token-secret") }] : [];
    },
  );
}

/** Brings cluster-info's signatures up to date; returns whether it wrote. */
export async function signClusterInfo(store: ObjectStore, now = new Date()): Promise<boolean> {
  const cmRi = findResource("", "v1", "configmaps")!;
  const cm = store.get(cmRi, "kube-public", "cluster-info");
  const content = cm?.data?.kubeconfig;
  if (!cm || typeof content !== "string") return false;
  const want: Record<string, string> = {};
  for (const t of signingTokens(store, now)) want[PREFIX + t.id] = await detachedJws(content, t.id, t.secret);
  const current = store.get(cmRi, "kube-public", "cluster-info");
  if (!current || current.data?.kubeconfig !== content) return false; // changed meanwhile: a later pass signs it
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(current.data ?? {})) if (!k.startsWith(PREFIX)) data[k] = v as string;
  Object.assign(data, want);
  if (JSON.stringify(data) === JSON.stringify(current.data)) return false;
  store.update(cmRi, current, { ...current, data });
  return true;
}
