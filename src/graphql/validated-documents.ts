/**
 * Parsed and validated subscription documents, by their text. A thousand workers subscribing to
 * `windowChanged(topicId: $topicId)` send one document with different variables: parsing and
 * validating it once saves the work per subscribe and keeps one AST in memory instead of a
 * thousand. Validation depends only on the schema, the document and the server's fixed rules, so a
 * valid document stays valid; variables (cost, string inputs) are still checked per subscribe.
 * Bounded in entries and in the length of a cached text (longer ones are parsed every time), so
 * distinct documents cannot grow it: at most `maxEntries` × (AST of `maxTextLength` characters).
 */
import type { DocumentNode } from "graphql";

export class ValidatedDocuments {
  private readonly byText = new Map<string, DocumentNode>();

  constructor(
    private readonly maxEntries = 256,
    private readonly maxTextLength = 2048,
  ) {}

  get size(): number {
    return this.byText.size;
  }

  get(text: string): DocumentNode | undefined {
    const doc = this.byText.get(text);
    if (doc) {
      // Most recently used last: the first entry is the one to evict.
      this.byText.delete(text);
      this.byText.set(text, doc);
    }
    return doc;
  }

  /** Remember a document that parsed and validated without errors. */
  set(text: string, doc: DocumentNode): void {
    if (text.length > this.maxTextLength) return;
    this.byText.delete(text);
    this.byText.set(text, doc);
    if (this.byText.size > this.maxEntries) this.byText.delete(this.byText.keys().next().value!);
  }
}
