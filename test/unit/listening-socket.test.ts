import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { describe, it } from "node:test";
import { listensOn, portTaken } from "../../bench/listening-socket.js";

describe("who listens on a port (/proc), for readiness probes that must not be answered by another process", () => {
  it("tells the process holding the listening socket from any other, and a free port from a taken one", async () => {
    const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(0, "127.0.0.1", function () { console.log(this.address().port) })`], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
      const port = Number(String(chunk).trim());
      assert.equal(listensOn(child.pid!, port), true);
      assert.equal(listensOn(process.pid, port), false, "this process only connects to it");
      assert.equal(portTaken(port), true);
      // This process's own listener, and the port free again once it closes.
      const own = net.createServer();
      await new Promise<void>((r) => own.listen(0, "127.0.0.1", () => r()));
      const ownPort = (own.address() as net.AddressInfo).port;
      assert.equal(listensOn(process.pid, ownPort), true);
      assert.equal(listensOn(child.pid!, ownPort), false);
      own.close();
      await once(own, "close");
      assert.equal(portTaken(ownPort), false);
    } finally {
      child.kill();
      await once(child, "exit");
    }
  });
});
