import { GraphQLScalarType } from "graphql";
import { InvalidNonceError, PAYLOAD_MAX, UINT64_MAX, VERSION_MAX, formatNonce, makeNonce } from "../../domain/index.js";
import { describe, literalValue, readUnsigned } from "./unsigned-input.js";

const HINT = 'a packed uint64 as a decimal string (or "v<version>/<payload>")';
/** Readable input form, e.g. "v1/19345": version 0–255, payload 0–2^56 − 1, canonical decimals. */
const VERSIONED = /^v(0|[1-9][0-9]{0,2})\/(0|[1-9][0-9]{0,19})$/;

function parseNonceInput(value: unknown): bigint {
  if (typeof value === "string" && value.startsWith("v")) {
    const m = VERSIONED.exec(value);
    if (!m) throw new InvalidNonceError(`NonceV2 must be ${HINT}, got ${describe(value)}`);
    const version = Number(m[1]);
    const payload = BigInt(m[2]!);
    if (version > VERSION_MAX) throw new InvalidNonceError(`NonceV2 version must be at most ${VERSION_MAX}, got ${describe(value)}`);
    if (payload > PAYLOAD_MAX) throw new InvalidNonceError(`NonceV2 payload overflows 56 bits (max ${PAYLOAD_MAX}), got ${describe(value)}`);
    return makeNonce(version, payload);
  }
  try {
    return readUnsigned(value, "NonceV2", HINT);
  } catch (e) {
    // Same checks as Uint64, reported as a nonce problem.
    throw new InvalidNonceError((e as Error).message);
  }
}

export const NonceV2Scalar = new GraphQLScalarType<bigint, string>({
  name: "NonceV2",
  description:
    "A NonceV2: packed uint64 (top byte = version, low 56 bits = payload) as a decimal string, e.g. " +
    '"72057594037927937" is version 1, payload 1. Input also accepts "v1/1" and a non-negative Int up to 2^53 − 1.',
  serialize(value) {
    if (typeof value !== "bigint" || value < 0n || value > UINT64_MAX) throw new TypeError(`NonceV2 cannot represent ${String(value)}`);
    return formatNonce(value);
  },
  parseValue: parseNonceInput,
  parseLiteral: (ast) => parseNonceInput(literalValue(ast)),
});
