import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "graphql";
import { ValidatedDocuments } from "../../src/graphql/validated-documents.js";

describe("validated subscription documents (unit)", () => {
  it("returns the one parsed document for a text, evicting the least recently used beyond its bound", () => {
    const docs = new ValidatedDocuments(2, 100);
    const a = parse("subscription { a }");
    const b = parse("subscription { b }");
    docs.set("a", a);
    docs.set("b", b);
    assert.equal(docs.get("a"), a, "the same object: one AST for every subscriber of the text");
    docs.set("c", parse("subscription { c }")); // evicts b, used less recently than a
    assert.equal(docs.get("b"), undefined);
    assert.equal(docs.get("a"), a);
    assert.equal(docs.size, 2);
  });

  it("does not keep texts longer than its limit", () => {
    const docs = new ValidatedDocuments(10, 20);
    const text = `subscription { ${"a ".repeat(20)}}`;
    docs.set(text, parse(text));
    assert.equal(docs.get(text), undefined);
    assert.equal(docs.size, 0);
  });
});
