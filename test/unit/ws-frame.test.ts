import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as ws from "ws";
import { textFrame } from "../../src/graphql/ws-frame.js";

/** ws's own framing of a server text message (its Sender is exported at runtime, not in its types). */
const Sender = (ws as unknown as { Sender: { frame(data: Buffer, o: object): Buffer[] } }).Sender;
const wsFrame = (text: string) => Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));

describe("WebSocket text frames built once for many sockets", () => {
  it("are byte for byte what ws writes, at every length encoding's edges and for multi-byte text", () => {
    for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) assert.deepEqual(textFrame("a".repeat(n)), wsFrame("a".repeat(n)), `length ${n}`);
    // 42 three-byte characters are 126 bytes: the length counts bytes, not characters.
    for (const text of ["é".repeat(63), "€".repeat(42), "€".repeat(21845), "€".repeat(21846)]) assert.deepEqual(textFrame(text), wsFrame(text));
  });
});
