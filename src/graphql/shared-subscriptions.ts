/**
 * Identical live subscriptions share one execution. A thousand clients subscribed to the same
 * document with the same variables would otherwise make graphql-js resolve every event a thousand
 * times (~60 µs each here): instead one source stream runs per (document, variables) and each
 * result is handed to every member's bounded queue. Only subscriptions without `after` are shared —
 * a replay from a cursor is specific to its subscriber — and a member only ever receives results
 * emitted after it joined, which is exactly what a fresh subscription without `after` receives.
 * Results must not depend on who subscribed (they do not: authorization happens before execution).
 */
import { GraphQLError, print, subscribe as graphqlSubscribe, type ExecutionArgs, type ExecutionResult } from "graphql";
import { SubscriberTooSlowError } from "../pubsub/subscription-errors.js";

type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;
type Subscribe = (args: ExecutionArgs) => Promise<SubscribeResult> | SubscribeResult;
type Source = AsyncIterableIterator<ExecutionResult>;

function isAsyncIterable(x: unknown): x is Source {
  return typeof x === "object" && x !== null && Symbol.asyncIterator in x;
}

/** The share key, or null when the subscription must run on its own (a replay from a cursor). */
function shareKey(args: ExecutionArgs): string | null {
  const text = print(args.document);
  const vars = args.variableValues ?? {};
  for (const m of text.matchAll(/(?<!\$)\bafter\s*:\s*(\$(\w+)|[^\s,)]+)/g)) {
    const variable = m[2];
    if (variable === undefined) {
      if (m[1] !== "null") return null; // a literal cursor
    } else if (vars[variable] !== undefined && vars[variable] !== null) return null;
  }
  return `${args.operationName ?? ""}\u0000${JSON.stringify(vars)}\u0000${text}`;
}

class Member implements AsyncIterableIterator<ExecutionResult> {
  private readonly items: ExecutionResult[] = [];
  private waiter: ((r: IteratorResult<ExecutionResult>) => void) | null = null;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly leave: (m: Member) => void,
  ) {}

  push(result: ExecutionResult): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      return w({ value: result, done: false });
    }
    if (this.items.length >= this.limit) {
      // Too slow: drop the backlog, tell it once, then end. It resumes with its last cursor.
      const error = new SubscriberTooSlowError(`subscriber fell ${this.limit} events behind; resubscribe with \`after\` set to the last cursor received`);
      this.items.length = 0;
      this.items.push({ data: null, errors: [new GraphQLError(error.message, { originalError: error })] });
      this.finish();
      return;
    }
    this.items.push(result);
  }

  /** Ends after the buffered items are taken. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.leave(this);
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.items.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

class Group {
  readonly members = new Set<Member>();

  constructor(
    private readonly source: Source,
    private readonly onEmpty: () => void,
  ) {}

  join(limit: number): Member {
    const m = new Member(limit, (left) => this.remove(left));
    this.members.add(m);
    return m;
  }

  private remove(m: Member): void {
    if (!this.members.delete(m) || this.members.size > 0) return;
    this.onEmpty();
    void this.source.return?.();
  }

  async pump(): Promise<void> {
    try {
      for await (const result of this.source) for (const m of this.members) m.push(result);
    } catch (err) {
      const error = err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err), { originalError: err as Error });
      for (const m of this.members) m.push({ errors: [error] });
    } finally {
      this.onEmpty();
      for (const m of [...this.members]) m.finish();
    }
  }
}

export interface SharedSubscribe {
  readonly subscribe: Subscribe;
  /** Live shared executions (for tests and metrics). */
  readonly groupCount: () => number;
}

export function createSharedSubscribe(opts: { bufferLimit: number; subscribe?: Subscribe }): SharedSubscribe {
  const base: Subscribe = opts.subscribe ?? ((args) => graphqlSubscribe(args));
  const groups = new Map<string, Group>();
  // Concurrent first subscribers of one key wait for the same source instead of starting two.
  const starting = new Map<string, Promise<Group | ExecutionResult>>();

  async function groupFor(key: string, args: ExecutionArgs): Promise<Group | ExecutionResult> {
    const existing = groups.get(key);
    if (existing) return existing;
    let pending = starting.get(key);
    if (!pending) {
      pending = (async () => {
        const source = await base(args);
        if (!isAsyncIterable(source)) return source; // an error result: not cached
        const group = new Group(source, () => {
          if (groups.get(key) === group) groups.delete(key);
        });
        groups.set(key, group);
        void group.pump();
        return group;
      })().finally(() => starting.delete(key));
      starting.set(key, pending);
    }
    return pending;
  }

  return {
    groupCount: () => groups.size,
    async subscribe(args) {
      const key = shareKey(args);
      if (key === null) return base(args);
      const group = await groupFor(key, args);
      return group instanceof Group ? group.join(opts.bufferLimit) : group;
    },
  };
}
