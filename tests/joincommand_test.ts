/** The success banner and join commands, against kubeadm v1.20.2's transcript. */
import { assertEquals, assertMatch, assertNotMatch } from "./_std.ts";
import { initDoneBanner, joinCommand } from "../lib/joincommand.ts";

const REF = new URL("../../shared/reference/kubeadm-v1.20.2/init-dry-run.txt", import.meta.url);
const HASH = "sha256:c3f7a3f8c855e3e87f62a867ef77edd5507be0dd6b8d9e328787d68ab2c3b185";

Deno.test("the v1.20 banner equals kubeadm v1.20.2's, trailing space included", async () => {
  const transcript = await Deno.readTextFile(REF);
  const theirs = transcript.slice(transcript.indexOf("Your Kubernetes control-plane"));
  const ours = initDoneBanner({
    minor: 20,
    adminConfPath: "/etc/kubernetes/tmp/kubeadm-init-dryrunXXXX/admin.conf",
    endpoint: "10.0.0.10:6443",
    token: "abcdef.0123456789abcdef",
    caCertHashes: [HASH],
    hasControlPlaneEndpoint: false,
    uploadCerts: false,
  });
  assertEquals(ours, theirs);
});

Deno.test("the control-plane join is printed only with a controlPlaneEndpoint, with the key when uploaded", () => {
  const base = {
    minor: 34,
    adminConfPath: "/etc/kubernetes/admin.conf",
    endpoint: "k8s.example:6443",
    token: "abcdef.0123456789abcdef",
    caCertHashes: [HASH],
    uploadCerts: true,
    certificateKey: "a".repeat(64),
  };
  assertNotMatch(initDoneBanner({ ...base, hasControlPlaneEndpoint: false }), /--control-plane/);
  const text = initDoneBanner({ ...base, hasControlPlaneEndpoint: true });
  assertMatch(text, /\\\n\t--control-plane --certificate-key a{64}\n/);
  assertMatch(text, /--token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash /);
  assertMatch(text, /uploaded-certs will be deleted in two hours/);
});

Deno.test("--skip-token-print withholds the token in every join command", () => {
  const cmd = joinCommand({
    endpoint: "10.0.0.10:6443",
    token: undefined,
    caCertHashes: [HASH],
    controlPlane: false,
  });
  assertEquals(
    cmd,
    `kubeadm join 10.0.0.10:6443 --token <value withheld> \\\n    --discovery-token-ca-cert-hash ${HASH} `,
  );
});

Deno.test("the uploaded-certs control-plane join says 'the control-plane node' up to v1.31 (kubernetes#128118)", () => {
  const base = {
    adminConfPath: "/etc/kubernetes/admin.conf",
    endpoint: "k8s.example:6443",
    token: "abcdef.0123456789abcdef",
    caCertHashes: [HASH],
    hasControlPlaneEndpoint: true,
    uploadCerts: true,
    certificateKey: "a".repeat(64),
  };
  const line = (minor: number) =>
    initDoneBanner({ ...base, minor }).split("\n").find((l) => l.startsWith("You can now"));
  for (const minor of [20, 24, 31]) {
    assertEquals(
      line(minor),
      "You can now join any number of the control-plane node running the following command on each as root:",
    );
  }
  for (const minor of [32, 34]) {
    assertEquals(
      line(minor),
      "You can now join any number of control-plane nodes running the following command on each as root:",
    );
  }
});
