/**
 * Responses say `cache-control: no-store`, as Apollo's default cache-control plugin would, without
 * that plugin: it computes a cache hint for every resolved field (and makes Apollo wrap every
 * resolver to do so), about a quarter of the CPU of a 50-epoch page, only to arrive at `no-store`
 * since no type or field declares a hint.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";

export function noStorePlugins<C extends object>(): ApolloServerPlugin<C>[] {
  return [
    ApolloServerPluginCacheControlDisabled(),
    {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            response.http.headers.set("cache-control", "no-store");
          },
        };
      },
    },
  ];
}
