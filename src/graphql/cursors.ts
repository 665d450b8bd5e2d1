/**
 * Opaque pagination cursors: base64url of "<kind>:<fields…>:<checksum>". The kind tag stops a
 * cursor of one list being used in another; the checksum catches edits. Anything that does not
 * decode exactly is BAD_USER_INPUT naming the argument.
 */
import { createHash } from "node:crypto";
import type { EpochPosition, EpochSort, LogPosition } from "../app/records.js";
import { InvalidInputError, UINT64_MAX } from "../domain/index.js";

type Kind = "ep1" | "tr1" | "tp1" | "eo1" | "ew1" | "er1";
const DIGITS = /^(0|-?[1-9][0-9]{0,19})$/;

function checksum(body: string): string {
  return createHash("sha256").update(body).digest("base64url").slice(0, 10);
}

function encode(kind: Kind, fields: readonly (bigint | number)[]): string {
  const body = [kind, ...fields.map(String)].join(":");
  return Buffer.from(`${body}:${checksum(body)}`, "utf8").toString("base64url");
}

function decode(kind: Kind, cursor: string, count: number, arg: string): bigint[] {
  const bad = () => new InvalidInputError(`${arg} is not a valid cursor for this list: pass an endCursor or edge cursor from the same field, unmodified`, arg);
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  const sum = parts.pop();
  if (parts.length !== count + 1 || parts[0] !== kind || sum !== checksum(parts.join(":"))) throw bad();
  const fields = parts.slice(1);
  if (!fields.every((f) => DIGITS.test(f))) throw bad();
  return fields.map((f) => BigInt(f));
}

function uint64(v: bigint, arg: string): bigint {
  if (v < 0n || v > UINT64_MAX) throw new InvalidInputError(`${arg} is not a valid cursor for this list`, arg);
  return v;
}

export const epochCursor = {
  encode: (p: EpochPosition): string => encode("ep1", [p.startAt, p.topicId, p.nonce]),
  decode(cursor: string, arg = "after"): EpochPosition {
    const [startAt, topicId, nonce] = decode("ep1", cursor, 3, arg) as [bigint, bigint, bigint];
    return { startAt: Number(startAt), topicId: uint64(topicId, arg), nonce: uint64(nonce, arg) };
  },
};

export const transitionCursor = {
  encode: (p: LogPosition): string => encode("tr1", [p.txid, p.id]),
  decode(cursor: string, arg = "after"): LogPosition {
    const [txid, id] = decode("tr1", cursor, 2, arg) as [bigint, bigint];
    return { txid, id };
  },
};

export const topicCursor = {
  encode: (id: bigint): string => encode("tp1", [id]),
  decode(cursor: string, arg = "after"): bigint {
    const [id] = decode("tp1", cursor, 1, arg) as [bigint];
    return uint64(id, arg);
  },
};

/** Epoch cursors per listing order: the kind names the order, so a cursor of one order is refused by another. */
const EPOCH_SORT_KIND: Readonly<Record<EpochSort, Kind>> = { NEWEST_FIRST: "ep1", OLDEST_FIRST: "eo1", WORKER_CLOSE_SOONEST: "ew1", REPUTER_CLOSE_SOONEST: "er1" };

export const sortedEpochCursor = {
  encode: (p: EpochPosition, sort: EpochSort): string => encode(EPOCH_SORT_KIND[sort], [p.startAt, p.topicId, p.nonce]),
  decode(cursor: string, sort: EpochSort, arg = "after"): EpochPosition {
    const [at, topicId, nonce] = decode(EPOCH_SORT_KIND[sort], cursor, 3, arg) as [bigint, bigint, bigint];
    return { startAt: Number(at), topicId: uint64(topicId, arg), nonce: uint64(nonce, arg) };
  },
};
