/**
 * Identical live subscriptions share one execution. A thousand clients subscribed to the same
 * document with the same variables would otherwise make graphql-js resolve every event a thousand
 * times (~60 µs each here): instead one source stream runs per (operation, coerced variables) and
 * each result is handed to every member's bounded queue. Only subscriptions without `after` are
 * shared — a replay from a cursor is specific to its subscriber — and a member only ever receives
 * results emitted after it joined, which is exactly what a fresh subscription without `after`
 * receives. Results must not depend on who subscribed (they do not: authorization happens before
 * execution). A member's queue is bounded in events and in bytes, and its bytes count against its
 * connection's budget (ws-backpressure.ts).
 *
 * Delivery: a result is serialized once per execution. A member with a direct sink (its socket,
 * from ws-server.ts) whose consumer is parked — graphql-ws is waiting on an empty queue, so nothing
 * of this subscription is in flight — and whose socket has nothing unsent gets the shared JSON
 * written straight to its socket, skipping graphql-ws's per-subscriber iteration, envelope and
 * send promise (a thousand identical subscribers were ~20 µs of API CPU per delivery that way).
 * Otherwise the result goes through its queue as before, so a reader that falls behind still fills
 * its bounded queue and ends with SUBSCRIBER_TOO_SLOW, and order is kept: direct writes happen only
 * while the queue is empty and graphql-ws has no send of this subscription pending.
 */
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  print,
  subscribe as graphqlSubscribe,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { BoundedQueue, type ByteAccount } from "../app/bounded-queue.js";

type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;
type Subscribe = (args: ExecutionArgs) => Promise<SubscribeResult> | SubscribeResult;
type Source = AsyncIterableIterator<ExecutionResult>;

function isAsyncIterable(x: unknown): x is Source {
  return typeof x === "object" && x !== null && Symbol.asyncIterator in x;
}

/** The root fields an operation selects, through fragments (a subscription has exactly one). */
function rootFields(set: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const out: FieldNode[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...rootFields(sel.selectionSet, fragments, seen));
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const f = fragments.get(sel.name.value);
      if (f) out.push(...rootFields(f.selectionSet, fragments, seen));
    }
  }
  return out;
}

/** JSON of coerced values: Uint64 values are bigints, which JSON.stringify refuses. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}

/**
 * The share key, or null when the subscription must run on its own: a replay from a cursor, or
 * variables that do not coerce (the execution reports that). Read from the AST and the coerced
 * variables (defaults applied), so `after` given by a variable's default counts as a cursor.
 */
function shareKey(args: ExecutionArgs): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation !== "subscription") return null;
  const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
  if (coerced.errors) return null;
  const root = args.schema.getSubscriptionType();
  if (!root) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  for (const node of rootFields(operation.selectionSet, fragments)) {
    const def = root.getFields()[node.name.value];
    if (!def) return null;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(def, node, coerced.coerced);
    } catch {
      return null; // a bad argument: the execution reports it
    }
    if (values.after !== undefined && values.after !== null) return null;
  }
  return `${args.operationName ?? ""}\u0000${stableJson(coerced.coerced)}\u0000${print(args.document)}`;
}

/**
 * One result of a shared execution, serialized once. What a sink derives from it per member kind
 * (e.g. the framed `next` message for one subscription id) is made once per result via `shared`.
 */
export class SerializedResult {
  private made: Map<string, unknown> | undefined;

  constructor(readonly json: string) {}

  /** `make()`'s value, computed the first time `key` is asked for this result. */
  shared<T>(key: string, make: () => T): T {
    this.made ??= new Map();
    if (this.made.has(key)) return this.made.get(key) as T;
    const value = make();
    this.made.set(key, value);
    return value;
  }
}

/**
 * Where a member's results can be written without graphql-ws: `send` either writes the whole
 * `next` message to the socket at once (true) or declines (false: the socket is not open or has
 * unsent bytes) and the result is queued instead.
 */
export interface DirectSink {
  send(result: SerializedResult): boolean;
}

export interface MemberLimits {
  /** Results buffered before SUBSCRIBER_TOO_SLOW. */
  readonly events: number;
  /** Bytes buffered before SUBSCRIBER_TOO_SLOW (one result is always admitted into an empty buffer). */
  readonly bytes: number;
}

/** A member's buffer: too slow, it drops its backlog, gets one error result, then ends (it resumes with its last cursor). */
type Member = BoundedQueue<ExecutionResult>;

class Group {
  /** Each member's queue and, when it has one, its direct sink. */
  readonly members = new Map<Member, DirectSink | undefined>();

  constructor(
    private readonly source: Source,
    private readonly onEmpty: () => void,
  ) {}

  join(limits: MemberLimits, account: ByteAccount | undefined, sink: DirectSink | undefined): Member {
    const m: Member = new BoundedQueue<ExecutionResult>(
      { items: limits.events, bytes: limits.bytes },
      { account, onClose: () => this.remove(m), lastItem: (error) => ({ data: null, errors: [new GraphQLError(error.message, { originalError: error })] }) },
    );
    this.members.set(m, sink);
    return m;
  }

  private remove(m: Member): void {
    if (!this.members.delete(m) || this.members.size > 0) return;
    this.onEmpty();
    void this.source.return?.();
  }

  async pump(): Promise<void> {
    try {
      for await (const result of this.source) {
        // Once per result, not per member. Results with errors go through graphql-ws, which formats them.
        const json = JSON.stringify(result);
        const bytes = Buffer.byteLength(json);
        const direct = result.errors === undefined ? new SerializedResult(json) : null;
        for (const [m, sink] of this.members) {
          if (direct !== null && sink !== undefined && m.parked && sink.send(direct)) continue;
          m.push(result, bytes);
        }
      }
    } catch (err) {
      const error = err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err), { originalError: err as Error });
      for (const m of this.members.keys()) m.push({ errors: [error] }, 0);
    } finally {
      this.onEmpty();
      for (const m of [...this.members.keys()]) m.end();
    }
  }
}

export interface SharedSubscribe {
  readonly subscribe: Subscribe;
  /** Live shared executions (for tests and metrics). */
  readonly groupCount: () => number;
}

export interface SharedSubscribeOptions {
  /** Results buffered per member before SUBSCRIBER_TOO_SLOW. */
  readonly bufferLimit: number;
  /** Bytes buffered per member before SUBSCRIBER_TOO_SLOW (default: unbounded). */
  readonly bufferBytes?: number;
  /** The account a subscription's buffered bytes are charged to (its connection's budget). */
  readonly accountOf?: (args: ExecutionArgs) => ByteAccount | undefined;
  /** Where a subscription's results may be written directly (see DirectSink); none: always through its queue. */
  readonly sinkOf?: (args: ExecutionArgs) => DirectSink | undefined;
  readonly subscribe?: Subscribe;
}

export function createSharedSubscribe(opts: SharedSubscribeOptions): SharedSubscribe {
  const base: Subscribe = opts.subscribe ?? ((args) => graphqlSubscribe(args));
  const limits: MemberLimits = { events: opts.bufferLimit, bytes: opts.bufferBytes ?? Number.POSITIVE_INFINITY };
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
      return group instanceof Group ? group.join(limits, opts.accountOf?.(args), opts.sinkOf?.(args)) : group;
    },
  };
}
