/**
 * `kadm token create | list | delete | generate` (kubeadm's cmd/token.go). They talk to the API server
 * of the kubeconfig given with --kubeconfig, else the first of $KUBECONFIG / ~/.kube/config /
 * /etc/kubernetes/admin.conf that exists (as kubeadm). Inputs: flags. Outputs: the Secret
 * kube-system/bootstrap-token-<id> created or deleted, and on stdout the token (create, generate), the
 * join command (create --print-join-command), the token list, or `bootstrap token "<id>" deleted`.
 * With --dry-run, reads go to the server and writes are printed as `[dryrun] Would perform action ...`.
 * Only create, generate and list print token secrets; errors never do.
 */
import { existsSync } from "node:fs";
import { UserError } from "../lib/errors.ts";
import { randomToken } from "../lib/config/mod.ts";
import { parseKubeconfig } from "../lib/kubeconfig.ts";
import { caCertHash, certToPem, parseCertsPem } from "../lib/pki/certs.ts";
import {
  clientFromKubeconfig,
  dryRunLines,
  isAlreadyExists,
  isNotFound,
  type KubeList,
  type KubeObject,
  type ObjectRef,
} from "../lib/kubeapi.ts";
import { bootstrapTokenSecret } from "../lib/objects/bootstraptoken.ts";
import {
  checkCertificateKey,
  defaultKubeconfigPath,
  joinCommandLine,
  LIST_FORMATS,
  renderTokenList,
  secretNameOf,
  TOKEN_ID_PATTERN,
  TOKEN_PATTERN,
  tokenFromFlags,
  tokenIdOf,
  tokensFromSecrets,
} from "../lib/tokens.ts";

/** Where the token commands print and what they read from the process (injectable for tests). */
export interface TokenIO {
  /** Text to standard output, exactly as given. */
  readonly out: (text: string) => void;
  /** A line to standard error. */
  readonly warn: (line: string) => void;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly env: { readonly KUBECONFIG?: string | undefined; readonly HOME?: string | undefined };
  /** Overall time per API call, retries included (default 15 s). */
  readonly timeoutMs?: number;
}

export function consoleTokenIO(): TokenIO {
  const enc = new TextEncoder();
  return {
    out: (text) => Deno.stdout.writeSync(enc.encode(text)),
    warn: (line) => Deno.stderr.writeSync(enc.encode(line + "\n")),
    now: () => Date.now(),
    env: { KUBECONFIG: Deno.env.get("KUBECONFIG"), HOME: Deno.env.get("HOME") },
  };
}

export interface TokenApiOptions {
  readonly kubeconfig?: string;
  readonly dryRun?: boolean;
}

export interface TokenCreateOptions extends TokenApiOptions {
  readonly ttl?: string;
  readonly usages?: readonly string[];
  readonly groups?: readonly string[];
  readonly description?: string;
  readonly printJoinCommand?: boolean;
  readonly certificateKey?: string;
}

/** The verbs the token commands use; the dry-run variant prints writes instead of sending them. */
interface TokenApi extends Disposable {
  get(ref: ObjectRef): Promise<KubeObject>;
  list(ref: ObjectRef): Promise<KubeList>;
  create(obj: KubeObject): Promise<KubeObject>;
  delete(ref: ObjectRef): Promise<void>;
}

interface Kubeconfig {
  readonly path: string;
  readonly text: string;
}

function readKubeconfig(o: TokenApiOptions, io: TokenIO): Kubeconfig {
  const path = o.kubeconfig || defaultKubeconfigPath(io.env, existsSync);
  try {
    return { path, text: Deno.readTextFileSync(path) };
  } catch (e) {
    throw new UserError(
      `Cannot read kubeconfig file ${path}: ${
        e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message
      }: pass --kubeconfig FILE, ` +
        `or run this on a control-plane node set up by 'kadm init'`,
      { cause: e },
    );
  }
}

function openApi(kc: Kubeconfig, o: TokenApiOptions, io: TokenIO): TokenApi {
  const real = clientFromKubeconfig(kc.text, kc.path, { timeoutMs: io.timeoutMs ?? 15_000 });
  if (!o.dryRun) return real;
  const print = (lines: string[]) => io.out(lines.map((l) => l + "\n").join(""));
  return {
    get(ref) {
      print(dryRunLines({ verb: "get", ref }));
      return real.get(ref);
    },
    list(ref) {
      print(dryRunLines({ verb: "list", ref }));
      return real.list(ref);
    },
    create(obj) {
      print(dryRunLines({ verb: "create", ref: obj, object: obj }));
      return Promise.resolve(structuredClone(obj));
    },
    delete(ref) {
      print(dryRunLines({ verb: "delete", ref }));
      return Promise.resolve();
    },
    [Symbol.dispose]: () => real.close(),
  };
}

const secretRef = (id?: string): ObjectRef => ({
  apiVersion: "v1",
  kind: "Secret",
  namespace: "kube-system",
  ...(id !== undefined ? { name: secretNameOf(id) } : {}),
});

/** The "sha256:<hex>" pin of every CA certificate the kubeconfig trusts (kubeadm's getJoinCommand). */
async function joinPieces(kc: Kubeconfig): Promise<{ server: string; hashes: string[] }> {
  const cluster = parseKubeconfig(kc.text, kc.path);
  let caPem = cluster.caData;
  if (caPem === undefined && cluster.caFile !== undefined) {
    const dir = kc.path.includes("/") ? kc.path.slice(0, kc.path.lastIndexOf("/") + 1) : "";
    const file = cluster.caFile.startsWith("/") ? cluster.caFile : dir + cluster.caFile;
    try {
      caPem = Deno.readTextFileSync(file);
    } catch (e) {
      throw new UserError(
        `Cannot load the CA certificate ${file} referenced by kubeconfig ${kc.path}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  if (caPem === undefined) {
    throw new UserError(
      `No CA certificates found in kubeconfig ${kc.path}: the join command needs the cluster CA`,
    );
  }
  const certs = parseCertsPem(caPem, `the CA of kubeconfig ${kc.path}`);
  return { server: cluster.server, hashes: await Promise.all(certs.map((c) => caCertHash(certToPem(c)))) };
}

/** `kadm token create [TOKEN]`: prints the token, or with --print-join-command the join command only. */
export async function tokenCreate(
  token: string | undefined,
  o: TokenCreateOptions,
  io: TokenIO = consoleTokenIO(),
): Promise<void> {
  const bt = tokenFromFlags({
    token: token ?? randomToken(),
    ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    ...(o.usages !== undefined ? { usages: o.usages } : {}),
    ...(o.groups !== undefined ? { groups: o.groups } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
  });
  if (o.certificateKey !== undefined && !o.printJoinCommand) {
    throw new UserError("Cannot use --certificate-key without --print-join-command");
  }
  if (o.certificateKey !== undefined) checkCertificateKey(o.certificateKey);
  const kc = readKubeconfig(o, io);
  const join = o.printJoinCommand ? await joinPieces(kc) : undefined;
  const id = bt.token.slice(0, 6);
  const exists = () =>
    new UserError(
      `A token with id "${id}" already exists: delete it first with 'kadm token delete ${id}', ` +
        `or leave the token out to get a new random one`,
    );
  using api = openApi(kc, o, io);
  // kubeadm's UpdateOrCreateTokens(failIfExists): GET first, then create.
  const found = await api.get(secretRef(id)).then(() => true, (e) => {
    if (isNotFound(e)) return false;
    throw e;
  });
  if (found) throw exists();
  try {
    await api.create(bootstrapTokenSecret(bt, new Date(io.now())));
  } catch (e) {
    if (isAlreadyExists(e)) throw exists();
    throw e;
  }
  io.out((join ? joinCommandLine(join.server, bt.token, join.hashes, o.certificateKey) : bt.token) + "\n");
}

/** `kadm token list [-o text|json|yaml]`: every bootstrap token, as kubeadm prints them. */
export async function tokenList(
  o: TokenApiOptions & { readonly output?: string },
  io: TokenIO = consoleTokenIO(),
): Promise<void> {
  const format = o.output ?? "text";
  if (!LIST_FORMATS.includes(format)) renderTokenList([], format, 0); // throws the format error
  const kc = readKubeconfig(o, io);
  using api = openApi(kc, o, io);
  // kubeadm asks for fieldSelector type=bootstrap.kubernetes.io/token; the filter is applied here instead.
  const list = await api.list(secretRef());
  const { tokens, problems } = tokensFromSecrets(list.items);
  for (const p of problems) io.warn(p);
  io.out(renderTokenList(tokens, format, io.now()));
}

/** `kadm token delete TOKEN|ID...`: every argument is checked before anything is deleted. */
export async function tokenDelete(
  args: readonly string[],
  o: TokenApiOptions,
  io: TokenIO = consoleTokenIO(),
): Promise<void> {
  const form = `"${TOKEN_PATTERN}" or "${TOKEN_ID_PATTERN}"`;
  if (args.length === 0) {
    throw new UserError(
      `Missing argument: 'kadm token delete' needs tokens or token IDs of the form ${form}`,
    );
  }
  const ids = args.map((a, i) => {
    const id = tokenIdOf(a);
    if (id === undefined) {
      throw new UserError(
        `Invalid argument ${i + 1} of 'kadm token delete': the given token didn't match pattern ${form}; ` +
          `'kadm token list' shows the tokens`,
      );
    }
    return id;
  });
  const kc = readKubeconfig(o, io);
  using api = openApi(kc, o, io);
  for (const id of ids) {
    try {
      await api.delete(secretRef(id));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      throw new UserError(
        `Failed to delete bootstrap token "${id}": secrets "${secretNameOf(id)}" not found: ` +
          `'kadm token list' shows the tokens`,
        { cause: e },
      );
    }
    io.out(`bootstrap token "${id}" deleted\n`);
  }
}

/** `kadm token generate`: a random `[a-z0-9]{6}.[a-z0-9]{16}` token, printed, not created anywhere. */
export function tokenGenerate(io: Pick<TokenIO, "out"> = consoleTokenIO()): void {
  io.out(randomToken() + "\n");
}
