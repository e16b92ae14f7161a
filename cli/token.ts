/** `kadm token generate`: a random `[a-z0-9]{6}.[a-z0-9]{16}` token, printed, not created anywhere. */
import { randomToken } from "../lib/config/mod.ts";

export function tokenGenerate(): void {
  console.log(randomToken());
}
