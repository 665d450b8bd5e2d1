/**
 * Global object ids (the Relay convention): base64url of "Epoch:<topicId>:<nonce>" or
 * "TransitionRecord:<id>", decimals. Opaque to clients and stable (derived from the primary key),
 * so a cache keyed by (__typename, id) never confuses two objects. Not signed like cursors: an id
 * names a row anyone may read; a made-up one just finds nothing.
 */
import type { EpochKey } from "../../app/records.js";
import { InvalidInputError, UINT64_MAX } from "../../domain/index.js";

export type NodeRef = { readonly type: "Epoch"; readonly key: EpochKey } | { readonly type: "TransitionRecord"; readonly id: bigint };

const encode = (text: string) => Buffer.from(text, "utf8").toString("base64url");

export const epochNodeId = (k: EpochKey): string => encode(`Epoch:${k.topicId}:${k.nonce}`);
export const transitionNodeId = (id: bigint): string => encode(`TransitionRecord:${id}`);

const UINT = "(0|[1-9][0-9]{0,19})";
const EPOCH = new RegExp(`^Epoch:${UINT}:${UINT}$`);
const TRANSITION = new RegExp(`^TransitionRecord:${UINT}$`);

/** The object an id names; BAD_USER_INPUT naming `arg` for anything this server never issued. */
export function parseNodeId(id: string, arg = "id"): NodeRef {
  const bad = () => new InvalidInputError(`${arg} is not an id this API issued: pass the \`id\` of an Epoch or TransitionRecord, unmodified`, arg);
  if (id.length === 0 || id.length > 120 || !/^[A-Za-z0-9_-]+$/.test(id)) throw bad();
  const text = Buffer.from(id, "base64url").toString("utf8");
  // Only the canonical spelling: every object has exactly one id.
  if (encode(text) !== id) throw bad();
  const u64 = (digits: string) => {
    const v = BigInt(digits);
    if (v > UINT64_MAX) throw bad();
    return v;
  };
  const e = EPOCH.exec(text);
  if (e) return { type: "Epoch", key: { topicId: u64(e[1]!), nonce: u64(e[2]!) } };
  const t = TRANSITION.exec(text);
  // Log ids are a bigint sequence (signed 64-bit).
  if (t && BigInt(t[1]!) <= 2n ** 63n - 1n) return { type: "TransitionRecord", id: BigInt(t[1]!) };
  throw bad();
}
