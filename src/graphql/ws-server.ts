/**
 * graphql-ws on the HTTP server's own port and path. Errors go through the same formatter as HTTP
 * responses; a connection may hold a bounded number of subscriptions; the server pings idle
 * sockets (keep-alive) so dead peers are dropped.
 */
import type http from "node:http";
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { ApiContext } from "./context.js";

export interface SubscriptionServerOptions {
  readonly path: string;
  readonly makeContext: () => ApiContext;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly maxSubscriptionsPerConnection: number;
  readonly keepAliveMs: number;
}

export interface SubscriptionServer {
  readonly wss: WebSocketServer;
  dispose(): Promise<void>;
}

export function attachSubscriptionServer(httpServer: http.Server, schema: GraphQLSchema, opts: SubscriptionServerOptions): SubscriptionServer {
  const wss = new WebSocketServer({ server: httpServer, path: opts.path });
  const format = (e: GraphQLError) => opts.formatError(e.toJSON(), e);
  const cleanup = useServer(
    {
      schema,
      context: () => opts.makeContext(),
      onSubscribe: (ctx) => {
        // graphql-ws has already reserved this operation's id in ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > opts.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`at most ${opts.maxSubscriptionsPerConnection} subscriptions per connection; open another connection`, {
              extensions: { code: "RATE_LIMITED" },
            }),
          ];
        }
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map(format) } : undefined,
    },
    wss,
    opts.keepAliveMs,
  );
  return {
    wss,
    async dispose() {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
