/**
 * The committed schema.graphql is what the resolvers generate, and it honours the public contract
 * (docs/api-contract.graphql): every type, field, argument and enum value reachable from Query and
 * Mutation is present with the same type. Both sides go through graphql-js `buildSchema`.
 */
import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  validate,
  type GraphQLNamedType,
  type GraphQLSchema,
} from "graphql";
import { EXAMPLE_QUERIES } from "../../src/graphql/playground.js";
import { buildApiSchema, printApiSchema } from "../../src/graphql/schema.js";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** Named types reachable from the given root types (through fields, arguments and input fields). */
function reachable(schema: GraphQLSchema, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (type: GraphQLNamedType | undefined | null) => {
    if (!type || seen.has(type.name) || type.name.startsWith("__")) return;
    seen.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const f of Object.values(type.getFields())) {
        visit(getNamedType(f.type));
        for (const a of f.args) visit(getNamedType(a.type));
      }
    } else if (isInputObjectType(type)) {
      for (const f of Object.values(type.getFields())) visit(getNamedType(f.type));
    } else if (isUnionType(type)) {
      type.getTypes().forEach(visit);
    }
  };
  for (const r of roots) visit(schema.getType(r));
  return seen;
}

/** Every difference between what the contract defines for `name` and what we serve. */
function differences(contract: GraphQLSchema, ours: GraphQLSchema, name: string): string[] {
  const want = contract.getType(name)!;
  const have = ours.getType(name);
  if (!have) return [`type ${name} is missing`];
  const kind = (t: GraphQLNamedType) => t.constructor.name;
  if (kind(want) !== kind(have)) return [`${name} is a ${kind(have)}, the contract says ${kind(want)}`];
  const out: string[] = [];
  if (isEnumType(want) && isEnumType(have)) {
    for (const v of want.getValues()) if (!have.getValue(v.name)) out.push(`enum value ${name}.${v.name} is missing`);
  }
  if ((isObjectType(want) && isObjectType(have)) || (isInputObjectType(want) && isInputObjectType(have))) {
    const haveFields = have.getFields();
    for (const f of Object.values(want.getFields())) {
      const h = haveFields[f.name];
      if (!h) {
        out.push(`field ${name}.${f.name} is missing`);
        continue;
      }
      if (String(h.type) !== String(f.type)) out.push(`field ${name}.${f.name}: ${String(h.type)}, the contract says ${String(f.type)}`);
      if ("defaultValue" in f && f.defaultValue !== undefined && (h as typeof f).defaultValue !== f.defaultValue) {
        out.push(`field ${name}.${f.name} defaults to ${String((h as typeof f).defaultValue)}, the contract says ${String(f.defaultValue)}`);
      }
      if (!("args" in f) || !("args" in h)) continue;
      for (const a of f.args) {
        const ha = h.args.find((x) => x.name === a.name);
        if (!ha) out.push(`argument ${name}.${f.name}(${a.name}) is missing`);
        else if (String(ha.type) !== String(a.type)) out.push(`argument ${name}.${f.name}(${a.name}): ${String(ha.type)}, the contract says ${String(a.type)}`);
        else if (a.defaultValue !== undefined && ha.defaultValue !== a.defaultValue) out.push(`argument ${name}.${f.name}(${a.name}) defaults to ${String(ha.defaultValue)}, the contract says ${String(a.defaultValue)}`);
      }
      // Extra arguments we add must be optional, or the contract's queries would stop validating.
      for (const ha of h.args) if (!f.args.some((a: { name: string }) => a.name === ha.name) && String(ha.type).endsWith("!") && ha.defaultValue === undefined) out.push(`argument ${name}.${f.name}(${ha.name}) is required but not in the contract`);
    }
  }
  if (isObjectType(want) && isObjectType(have)) {
    for (const i of want.getInterfaces()) if (!have.getInterfaces().some((x) => x.name === i.name)) out.push(`${name} must implement ${i.name}`);
  }
  if (isScalarType(want) && !isScalarType(have)) out.push(`${name} must be a scalar`);
  return out;
}

describe("GraphQL schema", () => {
  it("schema.graphql is up to date with the resolvers (run `npm run schema:emit`)", async () => {
    const generated = printApiSchema(await buildApiSchema());
    assert.ok(read("schema.graphql") === generated, "schema.graphql is stale: run `npm run schema:emit` and commit it");
  });

  // The project's contract started from the shared original; it may add, never rename or remove.
  const original = path.resolve(root, "../shared/domain/api-contract.graphql");
  it("docs/api-contract.graphql keeps everything of the shared original contract", { skip: !safeExists(original) }, () => {
    const shared = buildSchema(readFileSync(original, "utf8"));
    const ours = buildSchema(read("docs/api-contract.graphql"));
    const problems = [...reachable(shared, ["Query", "Mutation", "Subscription"])].sort().flatMap((n) => differences(shared, ours, n));
    assert.deepEqual(problems, []);
  });

  it("serves the fields added since the shared contract (issue 15: Topic.missedStarts)", () => {
    const ours = buildSchema(read("schema.graphql"));
    const topic = ours.getType("Topic");
    assert.ok(isObjectType(topic));
    assert.equal(String(topic.getFields().missedStarts?.type), "Int!");
  });

  it("the playground's example operations validate against the schema", async () => {
    assert.deepEqual(validate(await buildApiSchema(), parse(EXAMPLE_QUERIES)).map((e) => e.message), []);
  });

  it("contains the whole contract, with the same types", () => {
    const contract = buildSchema(read("docs/api-contract.graphql"));
    const ours = buildSchema(read("schema.graphql"));
    const names = reachable(contract, ["Query", "Mutation", "Subscription"]);
    for (const expected of ["Uint64", "NonceV2", "DateTime", "EpochState", "EpochTransition", "WindowKind", "TransitionSource", "PageInfo", "Window", "Topic", "Epoch", "TransitionRecord", "EpochConnection", "TransitionConnection", "TopicConnection", "EpochStateCount", "EpochFilter", "CreateTopicInput", "UpdateTopicInput", "Subscription", "WindowEvent", "Node", "EpochOrder"]) {
      assert.ok(names.has(expected), `${expected} should be reachable from the contract's roots`);
    }
    const problems = [...names].sort().flatMap((n) => differences(contract, ours, n));
    assert.deepEqual(problems, []);
    // Our enums keep the contract's values and no others: clients switch over them.
    for (const n of names) {
      const want = contract.getType(n);
      const have = ours.getType(n);
      if (isEnumType(want) && isEnumType(have)) assert.deepEqual(have.getValues().map((v) => v.name), want.getValues().map((v) => v.name), n);
    }
  });
});

function safeExists(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}
