/**
 * CRI socket detection as kubeadm of each minor does it (cmd/kubeadm/app/util/runtime, DetectCRISocket),
 * used when nodeRegistration.criSocket is empty. Shared by preflight and kubelet-start.
 *
 * v1.20 - v1.23: the Docker socket wins over containerd (Docker 18.09+ bundles containerd); it is
 * reported as the dockershim socket. CRI-O is probed too; two runtimes found is an error asking for
 * --cri-socket; none found falls back to the dockershim socket.
 * v1.24+: containerd, CRI-O and cri-dockerd are probed in that order, as unix:// URLs; two or more
 * found is an error asking for criSocket; none found falls back to containerd.
 */
import { UserError } from "../errors.ts";
import type { MinorInfo } from "../versions.ts";

export const DOCKERSHIM_SOCKET = "/var/run/dockershim.sock";

interface KnownSocket {
  /** Path probed on the host. */
  readonly probe: string;
  /** What kubeadm records when it is found. */
  readonly endpoint: string;
}

/** v1.20 - v1.23 (runtime_unix.go: dockerSocket, containerdSocket; crio in knownCRISockets). */
const DOCKER_ERA = {
  docker: { probe: "/var/run/docker.sock", endpoint: DOCKERSHIM_SOCKET },
  containerd: { probe: "/run/containerd/containerd.sock", endpoint: "/run/containerd/containerd.sock" },
  others: [{ probe: "/var/run/crio/crio.sock", endpoint: "/var/run/crio/crio.sock" }],
} as const;

/** v1.24+ (constants.CRISocketContainerd, CRISocketCRIO, CRISocketDocker). */
const CRI_ERA: readonly KnownSocket[] = [
  { probe: "/var/run/containerd/containerd.sock", endpoint: "unix:///var/run/containerd/containerd.sock" },
  { probe: "/var/run/crio/crio.sock", endpoint: "unix:///var/run/crio/crio.sock" },
  { probe: "/var/run/cri-dockerd.sock", endpoint: "unix:///var/run/cri-dockerd.sock" },
];

export type IsSocket = (path: string) => Promise<boolean>;

/** The socket kubeadm of `info.minor` would pick on a host where `isSocket` answers. */
export async function detectCRISocket(info: MinorInfo, isSocket: IsSocket): Promise<string> {
  const found: string[] = [];
  if (info.minor <= 23) {
    if (await isSocket(DOCKER_ERA.docker.probe)) found.push(DOCKER_ERA.docker.endpoint);
    else if (await isSocket(DOCKER_ERA.containerd.probe)) found.push(DOCKER_ERA.containerd.endpoint);
    for (const s of DOCKER_ERA.others) if (await isSocket(s.probe)) found.push(s.endpoint);
    if (found.length > 1) {
      throw new UserError(
        `Found multiple CRI sockets, please use --cri-socket to select one: ${found.join(", ")}`,
      );
    }
    return found[0] ?? info.defaultCRISocket;
  }
  for (const s of CRI_ERA) if (await isSocket(s.probe)) found.push(s.endpoint);
  if (found.length > 1) {
    throw new UserError(
      `Found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the ` +
        `'criSocket' field in the kubeadm configuration file or --cri-socket: ${found.join(", ")}`,
    );
  }
  return found[0] ?? info.defaultCRISocket;
}

/** The configured socket, or the detected one when none is configured. */
export function resolveCRISocket(given: string, info: MinorInfo, isSocket: IsSocket): Promise<string> {
  return given ? Promise.resolve(given) : detectCRISocket(info, isSocket);
}

/** Whether the socket is the dockershim one (v1.20 - v1.23 then talk to Docker, not crictl). */
export function isDockershim(socket: string): boolean {
  return socket.replace(/^unix:\/\//, "") === DOCKERSHIM_SOCKET;
}

/** The socket as a path, for probing (kubeadm accepts both `unix:///x` and `/x`). */
export function socketPath(socket: string): string {
  return socket.replace(/^unix:\/\//, "");
}
