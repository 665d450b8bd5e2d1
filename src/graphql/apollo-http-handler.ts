/**
 * Apollo behind express, as @as-integrations/express5 does it, minus per-request work it does not
 * need here: the query string is cut from the URL instead of `url.parse` (a frame of its own in the
 * request profile, bench/RESULTS.md), and a complete body is written with `res.end` (express's
 * `res.send` re-derives type, length and freshness that Apollo's headers already settle).
 */
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from "@apollo/server";
import type { Request, RequestHandler, Response } from "express";

export function apolloHandler<C extends BaseContext>(server: ApolloServer<C>, context: ContextFunction<[{ req: Request; res: Response }], C>): RequestHandler {
  server.assertStarted("apolloHandler()");
  return async (req, res, next) => {
    try {
      if (!("body" in req)) throw new Error("`req.body` is not set: mount express.json() before the Apollo handler");
      const headers = new HeaderMap();
      for (const key in req.headers) {
        const value = req.headers[key];
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      const q = req.url.indexOf("?");
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: q < 0 ? "" : req.url.slice(q), body: req.body },
        context: () => context({ req, res }),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === "complete") {
        const body = response.body.string;
        res.setHeader("content-length", Buffer.byteLength(body));
        res.end(req.method === "HEAD" ? undefined : body);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (err) {
      next(err);
    }
  };
}
