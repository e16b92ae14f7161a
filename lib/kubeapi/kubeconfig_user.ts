/**
 * The credentials of a kubeconfig's current context (lib/kubeconfig.ts reads its cluster):
 * client-certificate(-data), client-key(-data), token / tokenFile. Pure: file references are returned
 * as paths for the caller to read.
 */
import { parse } from "yaml";
import { UserError } from "../errors.ts";

export interface KubeconfigUser {
  readonly certData?: string;
  readonly keyData?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly token?: string;
  readonly tokenFile?: string;
}

export function kubeconfigUser(text: string, path: string): KubeconfigUser {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UserError(`Invalid kubeconfig file ${path}: not YAML: delete it or fix it`, { cause: e });
  }
  const obj = (doc ?? {}) as Record<string, unknown>;
  const named = (list: unknown, name: unknown) =>
    Array.isArray(list)
      ? list.find((e) => (e as Record<string, unknown>)?.name === name) as Record<string, unknown> | undefined
      : undefined;
  const context = named(obj.contexts, obj["current-context"])?.context as Record<string, unknown> | undefined;
  const userName = context?.user;
  if (userName === undefined || userName === "") return {};
  const user = named(obj.users, userName)?.user as Record<string, unknown> | undefined;
  if (!user) {
    throw new UserError(
      `Invalid kubeconfig file ${path}: user "${userName}" of the current context is missing`,
    );
  }
  const str = (k: string) => (typeof user[k] === "string" && user[k] !== "" ? user[k] as string : undefined);
  const data = (k: string) => {
    const v = str(k);
    if (v === undefined) return undefined;
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(v.replace(/\s+/g, "")), (c) => c.charCodeAt(0)));
    } catch (e) {
      throw new UserError(`Invalid kubeconfig file ${path}: users[${userName}].${k} is not base64`, {
        cause: e,
      });
    }
  };
  const out: Record<string, string | undefined> = {
    certData: data("client-certificate-data"),
    keyData: data("client-key-data"),
    certFile: str("client-certificate"),
    keyFile: str("client-key"),
    token: str("token"),
    tokenFile: str("tokenFile"),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as KubeconfigUser;
}
