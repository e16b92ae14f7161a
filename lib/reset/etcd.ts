/**
 * Removing this node's member from a stacked etcd cluster, as kubeadm's
 * phases/etcd RemoveStackedEtcdMemberFromCluster does: connect with the etcd CA and the
 * healthcheck-client certificate (etcdutil.NewFromCluster), sync the endpoints with the member list,
 * skip when this is the only member left, else find the member by this node's peer URL and remove it.
 *
 * The client speaks etcd's v3 JSON gateway (`POST /v3/cluster/member/list|remove`, etcd 3.4+) over
 * HTTPS with the client certificate; the decision logic takes any EtcdMembersClient (tests fake it).
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
    throw new UserError(
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

/** Lists, decides, removes. Errors propagate (kubeadm turns them into a warning). */
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

/** An etcd v3 gateway client trying each endpoint in turn; endpoints follow the member list. */
export function httpEtcdClient(
  initial: readonly string[],
  tls: EtcdTls,
  timeoutMs = 10_000,
): EtcdMembersClient {
  const http = Deno.createHttpClient({ caCerts: [tls.caPem], cert: tls.certPem, key: tls.keyPem });
  let endpoints = [...initial];
  const post = async (path: string, body: unknown): Promise<unknown> => {
    const problems: string[] = [];
    for (const ep of endpoints) {
      try {
        const res = await fetch(`${ep.replace(/\/$/, "")}${path}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
          client: http,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (!res.ok) {
          problems.push(`${ep}: ${res.status} ${text.trim()}`);
          continue;
        }
        return JSON.parse(text);
      } catch (e) {
        problems.push(`${ep}: ${(e as Error).message}`);
      }
    }
    throw new UserError(`Cannot reach etcd for ${path}: ${problems.join("; ")}`);
  };
  return {
    async list() {
      const members = toMembers(await post("/v3/cluster/member/list", {}));
      const synced = members.flatMap((m) => m.clientURLs);
      if (synced.length > 0) endpoints = synced; // kubeadm's Sync(): the member list is authoritative
      return members;
    },
    async remove(id) {
      return toMembers(await post("/v3/cluster/member/remove", { ID: id }));
    },
    close: () => http.close(),
  };
}
