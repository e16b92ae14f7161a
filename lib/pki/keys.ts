/** Key generation and PEM encoding (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"). */
import type { EncryptionAlgorithm } from "../model.ts";

/** Where keys come from: Web Crypto in production, pre-generated keys in tests. */
export interface KeySource {
  generate(alg: EncryptionAlgorithm): Promise<CryptoKeyPair>;
}
