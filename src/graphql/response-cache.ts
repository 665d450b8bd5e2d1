/**
 * Whole responses of open-window queries (src/graphql/window-operation.ts), keyed by role, operation
 * name, document text and variables, so a hit skips execution entirely. Invalidated exactly like
 * the open-window cache it sits over: by commit notices naming the topics and states a commit
 * touched (src/app/window-scopes.ts), with the same TTL, and only while commit notices are heard.
 * A response being computed is registered before execution; a notice that arrives meanwhile drops
 * it, so an answer read before a commit is never kept after that commit's notice. Requests for a
 * key being computed wait for that answer (one execution after an expiry, not one per connection);
 * if it is dropped meanwhile they execute themselves.
 */
import type { FormattedExecutionResult } from "graphql";
import { WindowScopeIndex, type WindowScope } from "../app/window-scopes.js";
import { ANY_CHANGE, type CommitNotice } from "../app/commit-notice.js";

export interface ResponseCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry {
  readonly scopes: readonly WindowScope[];
  readonly expiresAt: number;
  result: FormattedExecutionResult | null;
  /** Settles when the entry is completed (its result) or dropped (null). */
  readonly settled: Promise<FormattedExecutionResult | null>;
  settle(result: FormattedExecutionResult | null): void;
}

/** A miss being computed: `complete` keeps its result unless a notice dropped it meanwhile. */
export interface PendingResponse {
  readonly key: string;
  readonly entry: Entry;
}

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly scopes = new WindowScopeIndex();
  private listening = false;
  private readonly now: () => number;

  constructor(private readonly options: ResponseCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached answer, the promise of one being computed (null if it is dropped meanwhile), or null. */
  get(key: string): FormattedExecutionResult | Promise<FormattedExecutionResult | null> | null {
    if (!this.listening) return null;
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.remove(key, entry);
      return null;
    }
    return entry.result ?? entry.settled;
  }

  /** Registers a miss before it executes; null while notices are not heard (nothing is kept then). */
  begin(key: string, scopes: readonly WindowScope[]): PendingResponse | null {
    if (!this.listening) return null;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    let settle!: (r: FormattedExecutionResult | null) => void;
    const settled = new Promise<FormattedExecutionResult | null>((r) => (settle = r));
    const entry: Entry = { scopes, expiresAt: this.now() + this.options.ttlMs, result: null, settled, settle };
    this.entries.set(key, entry);
    for (const s of scopes) this.scopes.add(key, s);
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.remove(k, e);
    }
    return { key, entry };
  }

  complete(pending: PendingResponse, result: FormattedExecutionResult | null): void {
    if (this.entries.get(pending.key) !== pending.entry) return;
    if (result) {
      pending.entry.result = result;
      pending.entry.settle(result);
    } else this.remove(pending.key, pending.entry);
  }

  invalidate(notice: CommitNotice = ANY_CHANGE): void {
    if (notice.topics === "any" && notice.states === "any") {
      for (const [key, entry] of [...this.entries]) this.remove(key, entry);
      return;
    }
    for (const key of this.scopes.affected(notice)) {
      const entry = this.entries.get(key);
      if (entry) this.remove(key, entry);
    }
  }

  setListening(up: boolean): void {
    this.listening = up;
    this.invalidate();
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    for (const s of entry.scopes) this.scopes.delete(key, s);
    // Waiters on an answer that will not be kept execute themselves.
    if (!entry.result) entry.settle(null);
  }
}
