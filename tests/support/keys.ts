/**
 * A deterministic KeySource for tests: hands out the pre-generated PKCS#8 keys in
 * tests/testdata/keys round-robin per algorithm (keys repeat once a list is used up).
 * RSA-3072/4096 have no fixtures and are generated on the fly.
 */
import type { EncryptionAlgorithm } from "../../lib/model.ts";
import { type KeySource, parsePrivateKeyPem, webCryptoKeySource } from "../../lib/pki/keys.ts";

const DIR = new URL("../testdata/keys/", import.meta.url);

const FILES: Partial<Record<EncryptionAlgorithm, string>> = {
  "RSA-2048": "rsa2048",
  "ECDSA-P256": "p256",
  "ECDSA-P384": "p384",
};

export function testKeySource(): KeySource & { readonly handedOut: number } {
  const next = new Map<EncryptionAlgorithm, number>();
  const fallback = webCryptoKeySource();
  let handedOut = 0;
  return {
    get handedOut() {
      return handedOut;
    },
    async generate(alg) {
      handedOut++;
      const prefix = FILES[alg];
      if (!prefix) return fallback.generate(alg);
      const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.startsWith(prefix + "-"))
        .sort();
      const i = next.get(alg) ?? 0;
      next.set(alg, i + 1);
      const name = names[i % names.length]!;
      return await parsePrivateKeyPem(await Deno.readTextFile(new URL(name, DIR)), name);
    },
  };
}
