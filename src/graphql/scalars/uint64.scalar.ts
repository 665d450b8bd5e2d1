import { GraphQLScalarType } from "graphql";
import { UINT64_MAX, formatUint64 } from "../../domain/index.js";
import { literalValue, readUnsigned } from "./unsigned-input.js";

const HINT = "an unsigned 64-bit integer as a decimal string (or a non-negative Int)";

function parseUint64Input(value: unknown): bigint {
  return readUnsigned(value, "Uint64", HINT);
}

export const Uint64Scalar = new GraphQLScalarType<bigint, string>({
  name: "Uint64",
  description:
    "Unsigned 64-bit integer (0 to 18446744073709551615) as a decimal string, exact. Input accepts a " +
    "decimal string or a non-negative Int up to 2^53 − 1; larger values must be strings.",
  serialize(value) {
    if (typeof value !== "bigint" || value < 0n || value > UINT64_MAX) throw new TypeError(`Uint64 cannot represent ${String(value)}`);
    return formatUint64(value);
  },
  parseValue: parseUint64Input,
  parseLiteral: (ast) => parseUint64Input(literalValue(ast)),
});
