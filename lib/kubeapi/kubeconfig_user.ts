/**
 * The credentials of a kubeconfig's current context (lib/kubeconfig.ts reads its cluster):
 * client-certificate(-data), client-key(-data), token / tokenFile. Pure: file references are returned
 * as paths for the caller to read.
 */
import { base64Text, currentContext } from "../kubeconfig.ts";

export interface KubeconfigUser {
  readonly certData?: string;
  readonly keyData?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly token?: string;
  readonly tokenFile?: string;
}

export function kubeconfigUser(text: string, path: string): KubeconfigUser {
  const { user, userName } = currentContext(text, path);
  if (!user) return {};
  const str = (k: string) => (typeof user[k] === "string" && user[k] !== "" ? user[k] as string : undefined);
  const data = (k: string) => {
    const v = str(k);
    return v === undefined ? undefined : base64Text(v, path, `users[${userName}].${k}`);
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
