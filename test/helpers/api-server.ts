/** A real API server on a random port over a test database, and a small GraphQL client for it. */
import "reflect-metadata";
import type { LifecycleCommands } from "../../src/app/lifecycle-commands.js";
import type pg from "pg";
import type { ReadModel } from "../../src/app/read-model.js";
import type { DbTx } from "../../src/db/prisma-client.js";
import { PrismaReadModel } from "../../src/db/read-model.js";
import { createApiServer, type ApiServer } from "../../src/graphql/server.js";
import type { ResponseCache } from "../../src/graphql/response-cache.js";
import type { ApiSecurity } from "../../src/graphql/security.js";
import { liveEvents } from "../../src/pubsub/transition-events.js";
import type { TransitionFeed } from "../../src/pubsub/transition-feed.js";

export interface GqlResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface TestApi {
  readonly url: string;
  readonly server: ApiServer;
  /** Errors the server hid from clients (INTERNAL_SERVER_ERROR), for assertions. */
  readonly hidden: unknown[];
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse>;
  /** POST a raw body (e.g. JSON with numbers beyond 2^53 written out exactly). */
  post(body: string, headers?: Record<string, string>): Promise<GqlResponse>;
  stop(): Promise<void>;
}

export async function startTestApi(opts: {
  /** Served through production's read path (the pooled listings); or pass `readModel`. */
  db?: { readonly prisma: DbTx; readonly pool: pg.Pool };
  readModel?: ReadModel;
  commands?: LifecycleCommands | null;
  feed?: TransitionFeed | null;
  subscriptionLimits?: { maxPerConnection: number; keepAliveMs: number };
  nodeEnv?: "development" | "production" | "test";
  /** Auth, limits, rate limit…; open (no auth, no rate limit) when omitted. */
  security?: Partial<ApiSecurity>;
  responseCache?: ResponseCache;
}): Promise<TestApi> {
  const readModel = opts.readModel ?? new PrismaReadModel(opts.db!.prisma, opts.db!.pool);
  const hidden: unknown[] = [];
  const server = await createApiServer({
    config: { NODE_ENV: opts.nodeEnv ?? "test" },
    readModel,
    commands: opts.commands ?? null,
    events: opts.feed ? liveEvents(opts.feed) : null,
    subscriptionLimits: opts.subscriptionLimits,
    security: opts.security,
    responseCache: opts.responseCache,
    logError: (e) => hidden.push(e),
  });
  const { port } = await server.start(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const post = async (body: string, headers: Record<string, string> = {}): Promise<GqlResponse> => {
    const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // left as text: the test asserts on it
    }
    return { status: res.status, body: parsed };
  };
  return {
    url,
    server,
    hidden,
    post,
    gql: (query, variables, headers) => post(JSON.stringify({ query, variables }), headers),
    stop: () => server.stop(),
  };
}
