/**
 * A server's WebSocket text frame, built once and written to many sockets (shared subscription
 * results, ws-server.ts): unmasked and unfragmented, as RFC 6455 §5.2 lays it out — FIN and opcode
 * 1, then the payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits — the same bytes
 * ws's own sender writes for `send(text)`.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header, "utf8");
  return frame;
}
