/** README stays true: its versions table is the versions table, and it documents every init flag. */
import { assertEquals, assertMatch } from "./_std.ts";
import { byPatch, DEFAULT_KUBERNETES_VERSION, MINORS, type PatchList } from "../lib/versions.ts";
import { buildCli } from "../main.ts";

const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));

function bumps<T>(list: PatchList<T>): string {
  const later = list.slice(1).map(([p, t]) => `${t} from .${p}`);
  return `${byPatch(list, 0)}${later.length ? ` (${later.join(", ")})` : ""}`;
}

Deno.test("README's versions table is lib/versions.ts", () => {
  const rows = MINORS.map((m) =>
    `| v1.${m.minor} | ${m.latestPatch} | ${bumps(m.etcd)} | ${
      bumps(m.coredns)
    } | ${m.pause} | ${m.configAPI} |`
  );
  const m = /<!-- versions-table:start -->\n([^]*?)<!-- versions-table:end -->/.exec(README);
  // deno fmt pads the cells: compare cell by cell.
  const cells = (row: string) => row.split("|").map((c) => c.trim());
  assertEquals(m?.[1]?.trim().split("\n").slice(2).map(cells), rows.map(cells));
  assertMatch(README, new RegExp(`\\*\\*${DEFAULT_KUBERNETES_VERSION.replaceAll(".", "\\.")}\\*\\*`));
});

Deno.test("README documents every kadm init flag", () => {
  const init = buildCli().commands.find((c) => c.name() === "init")!;
  for (const opt of init.options) {
    if (opt.hidden && opt.long !== "--skip-preflight-checks") continue;
    assertMatch(
      README,
      new RegExp("`" + opt.long!.replaceAll("-", "\\-") + "[ `,]"),
      `${opt.long} is not in README`,
    );
  }
});
