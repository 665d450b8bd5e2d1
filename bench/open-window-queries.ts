/**
 * The two hot queries of the query bench — open worker windows of one topic, and globally (first
 * 50) — written for each server: our API's GraphQL, PostGraphile's generated GraphQL over the raw
 * tables, and plain SQL. Each answer is normalised to the same rows (decoded uint64 decimal
 * strings, ISO instants) so the bench can check they all return identical pages.
 */
import { fromStored, toStored } from "../src/db/uint64-column.js";
import { EpochState } from "../src/domain/index.js";

export type OpenWindowQuery = { readonly kind: "topic"; readonly topicId: bigint } | { readonly kind: "global" };

export const PAGE_SIZE = 50;

export function queryLabel(q: OpenWindowQuery): string {
  return q.kind === "topic" ? `openWorkerWindows(topicId: ${q.topicId})` : `openWorkerWindows(first: ${PAGE_SIZE})`;
}

export interface PageRow {
  readonly topicId: string;
  readonly nonce: string;
  readonly state: string;
  readonly openAt: string;
  readonly closeAt: string;
}

export interface NormalisedPage {
  readonly rows: PageRow[];
  readonly hasNextPage: boolean;
}

/** How one server is asked (POST body to `path`) and how its answer is read. */
export interface QueryDialect {
  readonly path: string;
  body(q: OpenWindowQuery): string;
  normalise(json: unknown): NormalisedPage;
}

const iso = (v: string) => new Date(v).toISOString();

const OURS_SELECTION = `edges { node { topicId nonce state workerWindow { openAt closeAt } } } pageInfo { hasNextPage }`;

export const oursDialect: QueryDialect = {
  path: "/graphql",
  body: (q) =>
    JSON.stringify(
      q.kind === "topic"
        ? { query: `query OpenWorkerWindowsOfTopic($t: Uint64!) { openWorkerWindows(topicId: $t, first: ${PAGE_SIZE}) { ${OURS_SELECTION} } }`, variables: { t: String(q.topicId) } }
        : { query: `query OpenWorkerWindows { openWorkerWindows(first: ${PAGE_SIZE}) { ${OURS_SELECTION} } }` },
    ),
  normalise(json) {
    const c = dataOf(json).openWorkerWindows as { edges: { node: { topicId: string; nonce: string; state: string; workerWindow: { openAt: string; closeAt: string } } }[]; pageInfo: { hasNextPage: boolean } };
    return {
      rows: c.edges.map(({ node: n }) => ({ topicId: n.topicId, nonce: n.nonce, state: n.state, openAt: iso(n.workerWindow.openAt), closeAt: iso(n.workerWindow.closeAt) })),
      hasNextPage: c.pageInfo.hasNextPage,
    };
  },
};

/**
 * PostGraphile sees the tables as stored: bigint columns hold value − 2^63 (as strings) and state
 * is the smallint code, so the condition is written in stored values and the answer decoded.
 * The order is the API's: worker window start, topic, nonce, all descending.
 */
export const postgraphileDialect: QueryDialect = {
  path: "/graphql",
  body: (q) => {
    const selection = `edges { node { topicId nonce state workerOpenAt workerCloseAt } } pageInfo { hasNextPage }`;
    const args = `orderBy: [WORKER_OPEN_AT_DESC, TOPIC_ID_DESC, NONCE_DESC], first: ${PAGE_SIZE}`;
    return JSON.stringify(
      q.kind === "topic"
        ? { query: `query OpenWorkerWindowsOfTopic($t: BigInt!) { allEpoches(condition: { state: ${EpochState.WORKER_SUBMISSION}, topicId: $t }, ${args}) { ${selection} } }`, variables: { t: String(toStored(q.topicId)) } }
        : { query: `query OpenWorkerWindows { allEpoches(condition: { state: ${EpochState.WORKER_SUBMISSION} }, ${args}) { ${selection} } }` },
    );
  },
  normalise(json) {
    const c = dataOf(json).allEpoches as { edges: { node: { topicId: string; nonce: string; state: number; workerOpenAt: string; workerCloseAt: string } }[]; pageInfo: { hasNextPage: boolean } };
    return {
      rows: c.edges.map(({ node: n }) => ({
        topicId: String(fromStored(BigInt(n.topicId))),
        nonce: String(fromStored(BigInt(n.nonce))),
        state: EpochState[n.state] ?? `UNKNOWN(${n.state})`,
        openAt: iso(n.workerOpenAt),
        closeAt: iso(n.workerCloseAt),
      })),
      hasNextPage: c.pageInfo.hasNextPage,
    };
  },
};

/** The raw server (bench/raw-sql-server.ts) answers in our API's shape. */
export const rawDialect: QueryDialect = {
  path: "/open-worker-windows",
  body: (q) => JSON.stringify(q.kind === "topic" ? { topicId: String(q.topicId) } : {}),
  normalise: (json) => oursDialect.normalise(json),
};

/** The SQL both the raw server runs and our read path is measured against (limit + 1 for hasNextPage). */
export const OPEN_WORKER_SQL = {
  topic: `SELECT topic_id, nonce, state, worker_open_at, worker_close_at FROM epoch
          WHERE state = ${EpochState.WORKER_SUBMISSION} AND topic_id = $1
          ORDER BY worker_open_at DESC, topic_id DESC, nonce DESC LIMIT ${PAGE_SIZE + 1}`,
  global: `SELECT topic_id, nonce, state, worker_open_at, worker_close_at FROM epoch
           WHERE state = ${EpochState.WORKER_SUBMISSION}
           ORDER BY worker_open_at DESC, topic_id DESC, nonce DESC LIMIT ${PAGE_SIZE + 1}`,
};

function dataOf(json: unknown): Record<string, unknown> {
  const body = json as { data?: Record<string, unknown> | null; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`server answered with errors: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

/** Throws, naming the first difference, unless every page equals the first one. */
export function assertSamePages(label: string, pages: ReadonlyArray<{ server: string; page: NormalisedPage }>): void {
  const [first, ...others] = pages;
  if (!first) return;
  for (const other of others) {
    if (other.page.hasNextPage !== first.page.hasNextPage) {
      throw new Error(`${label}: hasNextPage differs: ${first.server} ${first.page.hasNextPage}, ${other.server} ${other.page.hasNextPage}`);
    }
    const n = Math.max(first.page.rows.length, other.page.rows.length);
    for (let i = 0; i < n; i++) {
      const a = JSON.stringify(first.page.rows[i] ?? null);
      const b = JSON.stringify(other.page.rows[i] ?? null);
      if (a !== b) throw new Error(`${label}: row ${i} differs (${first.page.rows.length} vs ${other.page.rows.length} rows):\n  ${first.server}: ${a}\n  ${other.server}: ${b}`);
    }
  }
}
