import { Field, ObjectType } from "type-graphql";

@ObjectType("PageInfo", { simpleResolvers: true, description: "Relay-style page information." })
export class PageInfo {
  @Field(() => Boolean, { description: "True when more rows follow: pass endCursor as `after` to get them." })
  hasNextPage!: boolean;

  private lastCursor: () => string | null = () => null;

  /** Encoded (a hash) only when a client asks for it. */
  @Field(() => String, { nullable: true, description: "Cursor of the last edge, null on an empty page." })
  get endCursor(): string | null {
    return this.lastCursor();
  }

  static of(hasNextPage: boolean, cursors: readonly string[]): PageInfo {
    return PageInfo.lazy(hasNextPage, () => cursors.at(-1) ?? null);
  }

  static lazy(hasNextPage: boolean, lastCursor: () => string | null): PageInfo {
    return Object.assign(new PageInfo(), { hasNextPage, lastCursor });
  }
}
