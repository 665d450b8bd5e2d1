import { Field, ID, InterfaceType } from "type-graphql";

/**
 * The Relay object-identification interface: `id` is global (unique across types), opaque and
 * stable; `node(id:)` fetches any object by it. Topic does not implement it: its `id` was the
 * Uint64 topic id before this interface existed and stays so (docs/api.md, "Object identity").
 */
@InterfaceType("Node", { description: "An object with a global id: pass it to `node(id:)` to fetch the object again." })
export abstract class Node {
  @Field(() => ID, { description: "Global, opaque and stable id of this object." })
  abstract readonly id: string;
}
