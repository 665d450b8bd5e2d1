/** Waits until a synchronous condition holds (a message arrived, a log line was written), with a deadline. */
import assert from "node:assert/strict";

export async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
