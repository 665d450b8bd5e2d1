/** `first` / `after` handling shared by every connection field. */
import { InvalidInputError } from "../domain/index.js";

export const DEFAULT_PAGE_SIZE = 50;
/** Larger requests are served 500 rows: the cap bounds the work one request can ask for. */
export const MAX_PAGE_SIZE = 500;

export function pageSize(first: number | null | undefined, arg = "first"): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw new InvalidInputError(`${arg} must be a non-negative integer (at most ${MAX_PAGE_SIZE} rows are returned), got ${first}`, arg);
  return Math.min(first, MAX_PAGE_SIZE);
}

/** Rows were fetched with limit + 1: the extra row only says whether there is a next page. */
export function splitPage<T>(rows: T[], limit: number): { items: T[]; hasNextPage: boolean } {
  return { items: rows.slice(0, limit), hasNextPage: rows.length > limit };
}
