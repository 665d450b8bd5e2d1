import { Field, ObjectType } from "type-graphql";

@ObjectType("PageInfo", { description: "Relay-style page information." })
export class PageInfo {
  @Field(() => Boolean, { description: "True when more rows follow: pass endCursor as `after` to get them." })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last edge, null on an empty page." })
  endCursor!: string | null;

  static of(hasNextPage: boolean, cursors: readonly string[]): PageInfo {
    return Object.assign(new PageInfo(), { hasNextPage, endCursor: cursors.at(-1) ?? null });
  }
}
