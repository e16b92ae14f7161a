/**
 * Removing this node's member from a stacked etcd cluster, as kubeadm's
 * phases/etcd RemoveStackedEtcdMemberFromCluster does: connect with the etcd CA and the
 * healthcheck-client certificate (etcdutil.NewFromCluster), sync the endpoints with the member list,
 * skip when this is the only member left, else find the member by this node's peer URL and remove it.
 *
 * The client speaks etcd's v3 JSON gateway (`POST /v3/cluster/member/list|remove`, etcd 3.4+) over
 * HTTPS with the client certificate and retries as kubeadm's etcd client does (every 500 ms within the
 * EtcdAPICall budget, 2 min by default: e.g. "etcdserver: unhealthy cluster" for 5 s after a member
 * joined); the decision logic takes any EtcdMembersClient (tests fake it).
 */
import { UserError } from "../errors.ts";

export interface EtcdMember {
  /** uint64 as a decimal string (the gateway's JSON form). */
  readonly id: string;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

export interface EtcdMembersClient {
  list(): Promise<EtcdMember[]>;
  remove(id: string): Promise<EtcdMember[]>;
  close(): void;
}

export type MemberDecision =
  | { readonly action: "skip"; readonly reason: string }
  | { readonly action: "remove"; readonly member: EtcdMember };

/** kubeadm's ErrNoMemberIDForPeerURL: no member has this node's peer URL. Since k/k#117724 (v1.28, and
 * cherry-picked into mid-2023 patches of v1.24 - v1.27) reset takes it as "already removed", silently. */
export class EtcdMemberNotFound extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "EtcdMemberNotFound";
  }
}

/** kubeadm's rule: one member whose endpoints include this node's client URL is left alone. */
export function decideMemberRemoval(
  members: readonly EtcdMember[],
  localClientURL: string,
  localPeerURL: string,
): MemberDecision {
  const endpoints = members.flatMap((m) => m.clientURLs);
  if (members.length === 1 && endpoints.includes(localClientURL)) {
    return { action: "skip", reason: "This is the only remaining etcd member in the etcd cluster" };
  }
  const member = members.find((m) => m.peerURLs.includes(localPeerURL));
  if (!member) {
    throw new EtcdMemberNotFound(
      `No etcd member has the peer URL ${localPeerURL}: members are ${
        members.map((m) => `${m.name || m.id} ${m.peerURLs.join(",")}`).join("; ")
      }`,
    );
  }
  return { action: "remove", member };
}

export interface RemoveOutcome {
  readonly removed?: EtcdMember;
  readonly remaining: readonly EtcdMember[];
  readonly note?: string;
}

/** Lists, decides, removes. Errors propagate (kubeadm turns them into a warning; EtcdMemberNotFound
 * into nothing). */
export async function removeLocalMember(
  client: EtcdMembersClient,
  localClientURL: string,
  localPeerURL: string,
): Promise<RemoveOutcome> {
  const members = await client.list();
  const d = decideMemberRemoval(members, localClientURL, localPeerURL);
  if (d.action === "skip") return { remaining: members, note: d.reason };
  const remaining = await client.remove(d.member.id);
  return { removed: d.member, remaining };
}

export interface EtcdTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function toMembers(body: unknown): EtcdMember[] {
  const list = (body as { members?: unknown[] } | null)?.members ?? [];
  return list.map((raw) => {
    const m = raw as Record<string, unknown>;
    const strs = (
      v: unknown,
    ) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    return {
      id: String(m.ID ?? ""),
      name: typeof m.name === "string" ? m.name : "",
      peerURLs: strs(m.peerURLs),
      clientURLs: strs(m.clientURLs),
    };
  });
}

/** kubeadm's EtcdAPICallRetryInterval and EtcdAPICall timeout (ResetConfiguration timeouts.etcdAPICall). */
const RETRY_INTERVAL_MS = 500;
const DEFAULT_BUDGET_MS = 120_000;
/** One request to one endpoint (kubeadm: 2 s per call; TLS on a slow host needs more). */
const REQUEST_TIMEOUT_MS = 10_000;

/** What one endpoint answered: a body, an etcd error (HTTP status + gRPC message) or no answer. */
type Answer =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly detail: string };

/** The gateway's error body: `{"error": "...", "message": "etcdserver: unhealthy cluster", "code": 14}`. */
function gatewayMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof m === "string" && m !== "") return m;
  } catch { /* not JSON */ }
  return text.trim();
}

/** Answers that retrying cannot change: etcd refuses the client certificate, or it does not trust etcd's. */
const final = (a: Answer) =>
  !a.ok && (a.status === 401 || a.status === 403 || /certificate|UnknownIssuer|UnknownCA/i.test(a.detail));

/**
 * An etcd v3 gateway client. Each call tries the endpoints in turn, and starts over every 500 ms until
 * one answers or `budgetMs` (kubeadm's EtcdAPICall, default 2 min) has passed; the endpoints follow the
 * member list (kubeadm's Sync). Removing a member that is gone already counts as done (k/k#117724).
 */
export function httpEtcdClient(
  initial: readonly string[],
  tls: EtcdTls,
  budgetMs = DEFAULT_BUDGET_MS,
): EtcdMembersClient {
  const http = Deno.createHttpClient({ caCerts: [tls.caPem], cert: tls.certPem, key: tls.keyPem });
  let endpoints = [...initial];
  const once = async (ep: string, path: string, body: unknown, timeoutMs: number): Promise<Answer> => {
    try {
      const res = await fetch(`${ep.replace(/\/$/, "")}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
        client: http,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      return res.ok
        ? { ok: true, body: JSON.parse(text) }
        : { ok: false, status: res.status, detail: gatewayMessage(text) };
    } catch (e) {
      return { ok: false, status: 0, detail: (e as Error).message };
    }
  };
  const post = async (path: string, body: unknown, done?: (a: Answer) => boolean): Promise<Answer> => {
    const start = Date.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const last = new Map<string, Answer>();
      for (const ep of endpoints) {
        const left = budgetMs - (Date.now() - start);
        const a = await once(ep, path, body, Math.max(1, Math.min(REQUEST_TIMEOUT_MS, left)));
        if (a.ok || done?.(a)) return a;
        last.set(ep, a);
        if (final(a)) break;
      }
      const answers = [...last.values()];
      if (answers.some(final) || Date.now() - start + RETRY_INTERVAL_MS > budgetMs) {
        const all = [...last].map(([ep, a]) =>
          `${ep}: ${a.ok ? "ok" : `${a.status ? `${a.status} ` : ""}${a.detail}`}`
        );
        const when = `${attempts} attempt${attempts === 1 ? "" : "s"} in ${
          Math.round((Date.now() - start) / 1000)
        } s`;
        throw new UserError(
          answers.every((a) => !a.ok && a.status === 0)
            ? `Cannot reach etcd for ${path} (${when}): ${all.join("; ")}`
            : `The etcd cluster refused ${path} (${when}): ${all.join("; ")}`,
        );
      }
      await new Promise((r) => setTimeout(r, RETRY_INTERVAL_MS));
    }
  };
  const list = async () => {
    const a = await post("/v3/cluster/member/list", {});
    const members = toMembers(a.ok ? a.body : undefined);
    const synced = members.flatMap((m) => m.clientURLs);
    if (synced.length > 0) endpoints = synced; // kubeadm's Sync(): the member list is authoritative
    return members;
  };
  return {
    list,
    async remove(id) {
      // A removal whose answer was lost (the member stops once it is removed) is retried elsewhere and
      // then finds no such member: kubeadm's RemoveMember takes ErrMemberNotFound as success.
      const gone = (a: Answer) => !a.ok && a.status === 404 && /member not found/i.test(a.detail);
      const a = await post("/v3/cluster/member/remove", { ID: id }, gone);
      return a.ok ? toMembers(a.body) : await list();
    },
    close: () => http.close(),
  };
}
