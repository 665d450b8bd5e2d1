/**
 * Waits until a condition holds (a message arrived, a log line or a row was written), with a
 * deadline. The condition may be asynchronous (a query); it is checked again every 20 ms. `what`
 * may be a function, read at the deadline (e.g. to show the messages received so far).
 */
import assert from "node:assert/strict";

export async function until(what: string | (() => string), ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
