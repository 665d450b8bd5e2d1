/**
 * An instrumented view of a parsed document: counts every read of a selection set's `selections`,
 * whoever reads it (graphql's validation visitor, graphql-armor's rules, the cost walker). An
 * analysis that walks a fragment again at each spread reads its selections once per spread, so the
 * count measures the analysis's own work without a clock.
 */
import type { DocumentNode } from "graphql";

export function countingDocument(document: DocumentNode): { document: DocumentNode; reads: () => number } {
  let reads = 0;
  const proxies = new WeakMap<object, object>();
  const wrap = <T>(value: T): T => {
    if (typeof value !== "object" || value === null) return value;
    let p = proxies.get(value);
    if (!p) {
      p = new Proxy(value, {
        get(target, key, receiver) {
          if (key === "selections") reads++;
          return wrap(Reflect.get(target, key, receiver));
        },
      });
      proxies.set(value, p);
    }
    return p as T;
  };
  return { document: wrap(document), reads: () => reads };
}
