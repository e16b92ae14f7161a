/**
 * The one polling loop of the phases that wait (wait-control-plane, selfhosting): call `check` every
 * `intervalMs` until it says true or `timeoutS` passed, printing `<prefix> Still waiting for <what>
 * (Ns elapsed[: last])` every 10 s. `check` answers true, or what is still missing ("" when it has
 * nothing to say); an Error it throws counts as not yet (its first line becomes the last state).
 */
import type { InitContext } from "./types.ts";

/** The wait ran out: `message` is the last state `check` reported. */
export class PollTimeout extends Error {
  constructor(message: string, readonly spentMs: number) {
    super(message);
  }
}

export interface PollOptions {
  readonly prefix: string;
  readonly what: string;
  readonly timeoutS: number;
  readonly intervalMs: number;
}

/** Polls until `check` is true; returns the elapsed ms, or throws PollTimeout. */
export async function poll(
  ctx: Pick<InitContext, "log">,
  o: PollOptions,
  check: () => Promise<true | string>,
): Promise<number> {
  const start = performance.now();
  let next = 10_000, last = "";
  for (;;) {
    try {
      const r = await check();
      if (r === true) return performance.now() - start;
      last = r;
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      last = e.message.split("\n")[0]!;
    }
    const spent = performance.now() - start;
    if (spent >= o.timeoutS * 1000) throw new PollTimeout(last, spent);
    if (spent >= next) {
      ctx.log.info(
        `${o.prefix} Still waiting for ${o.what} (${Math.round(spent / 1000)}s elapsed${
          last ? `: ${last}` : ""
        })`,
      );
      next += 10_000;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
