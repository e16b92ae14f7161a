/** The real preflight host: files under its root, PATH lookups, commands, ports and name lookups. */
import { assert, assertEquals } from "./_std.ts";
import { join } from "node:path";
import { realPreflightHost } from "../lib/preflight/mod.ts";

Deno.test("the real host finds a taken port, PATH binaries and files under its root", async () => {
  const root = await Deno.makeTempDir({ prefix: "kadm-preflight-" });
  try {
    await Deno.mkdir(join(root, "proc/sys/net/ipv4"), { recursive: true });
    await Deno.writeTextFile(join(root, "proc/sys/net/ipv4/ip_forward"), "1\n");
    const host = realPreflightHost(root);
    assertEquals(await host.readFile("/proc/sys/net/ipv4/ip_forward"), "1\n");
    assertEquals(await host.readFile("/nope"), undefined);
    assertEquals(await host.listDir("/proc/sys/net"), ["ipv4"]);
    assertEquals(await host.listDir("/nope"), undefined);
    assert(await host.lookPath("sh"));
    assertEquals((await host.run("no-such-binary-kadm", [])).notFound, true);
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      assertEquals(await host.portFree((l.addr as Deno.NetAddr).port), false);
    } finally {
      l.close();
    }
    assertEquals((await host.lookupHost("localhost")).addrs.length > 0, true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
