/** The `first` / `after` arguments every connection field takes, declared once. */
import { Arg, Int } from "type-graphql";
import { EpochOrder } from "../epoch/epoch-order.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../pagination.js";

type ArgDecorator = ReturnType<typeof Arg>;

export const FirstArg = (): ArgDecorator =>
  Arg("first", () => Int, {
    nullable: true,
    defaultValue: DEFAULT_PAGE_SIZE,
    description: `Page size; larger values are capped at ${MAX_PAGE_SIZE}, negative ones are refused.`,
  });

export const AfterArg = (): ArgDecorator =>
  Arg("after", () => String, { nullable: true, description: "Continue after this cursor (an endCursor or edge cursor of the same field)." });

export const OrderByArg = (): ArgDecorator =>
  Arg("orderBy", () => EpochOrder, {
    nullable: true,
    defaultValue: EpochOrder.NEWEST_FIRST,
    description: "Order of the list; cursors are tied to it (a cursor of one order is refused by another).",
  });
