/**
 * Opaque pagination cursors: base64url of "<kind>:<fields…>:<mac>". The kind tag stops a cursor of
 * one list being used in another; the MAC (HMAC-SHA256 under a server secret, 96 bits) stops
 * anyone making or editing one, and decoded fields are range-checked all the same. Anything that
 * does not decode exactly is BAD_USER_INPUT naming the argument.
 *
 * The secret is CURSOR_SECRET, set by the composition root (`setCursorSecret`). Without it each
 * process draws a random one at start: cursors then die with the process and do not work on
 * another instance.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { EpochPosition, EpochSort, LogPosition } from "../app/records.js";
import { InvalidInputError, UINT64_MAX } from "../domain/index.js";

type Kind = "ep1" | "tr1" | "tp1" | "eo1" | "ew1" | "er1";
const DIGITS = /^(0|-?[1-9][0-9]{0,19})$/;
/** PostgreSQL bigint columns (transition txid and id). */
const INT8_MAX = 2n ** 63n - 1n;
/** Epoch start times, ms since 1970: what a JS Date and PostgreSQL both take (up to year 9999). */
const START_AT_MAX = 253_402_300_799_999n;

let secret: Buffer = randomBytes(32);

/** Sets the key cursors are signed with (CURSOR_SECRET); cursors signed with another key stop decoding. */
export function setCursorSecret(key: string | Buffer): void {
  secret = Buffer.from(key);
}

function mac(body: string): string {
  return createHmac("sha256", secret).update(body).digest("base64url").slice(0, 16);
}

function sameMac(given: string | undefined, body: string): boolean {
  const expected = Buffer.from(mac(body));
  const actual = Buffer.from(given ?? "");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function encode(kind: Kind, fields: readonly (bigint | number)[]): string {
  const body = [kind, ...fields.map(String)].join(":");
  return Buffer.from(`${body}:${mac(body)}`, "utf8").toString("base64url");
}

function decode(kind: Kind, cursor: string, count: number, arg: string): bigint[] {
  const bad = () => new InvalidInputError(`${arg} is not a valid cursor for this list: pass an endCursor or edge cursor from the same field, unmodified`, arg);
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  const sum = parts.pop();
  if (parts.length !== count + 1 || parts[0] !== kind || !sameMac(sum, parts.join(":"))) throw bad();
  const fields = parts.slice(1);
  if (!fields.every((f) => DIGITS.test(f))) throw bad();
  return fields.map((f) => BigInt(f));
}

/** A decoded field within [0, max]; a valid MAC makes this certain, but a leaked key should not reach the database. */
function inRange(v: bigint, max: bigint, arg: string): bigint {
  if (v < 0n || v > max) throw new InvalidInputError(`${arg} is not a valid cursor for this list`, arg);
  return v;
}

const uint64 = (v: bigint, arg: string) => inRange(v, UINT64_MAX, arg);

export const transitionCursor = {
  encode: (p: LogPosition): string => encode("tr1", [p.txid, p.id]),
  decode(cursor: string, arg = "after"): LogPosition {
    const [txid, id] = decode("tr1", cursor, 2, arg) as [bigint, bigint];
    return { txid: inRange(txid, INT8_MAX, arg), id: inRange(id, INT8_MAX, arg) };
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
    return { startAt: Number(inRange(at, START_AT_MAX, arg)), topicId: uint64(topicId, arg), nonce: uint64(nonce, arg) };
  },
};

/** Cursors of the default order (NEWEST_FIRST). */
export const epochCursor = {
  encode: (p: EpochPosition): string => sortedEpochCursor.encode(p, "NEWEST_FIRST"),
  decode: (cursor: string, arg = "after"): EpochPosition => sortedEpochCursor.decode(cursor, "NEWEST_FIRST", arg),
};
