/**
 * The in-browser playground: GraphiQL as packaged by ruru, with every asset served from this
 * server (nothing from a CDN), so it works on an air-gapped machine.
 */
import type { Request, RequestHandler } from "express";
import { ruruHTML } from "ruru/server";
import { serveStatic } from "ruru/static";
import { withAuthOffBanner } from "../auth/auth-off-banner.js";

const PLAYGROUND_STATIC_PATH = "/ruru-static/";

/** Preloaded in the editor; pick an operation with the run button. */
export const EXAMPLE_QUERIES = `# epoch-windows playground. Topic ids and nonces are uint64 decimal strings.
# Press the run button and pick an operation.

query OpenWorkerWindows {
  openWorkerWindows(first: 20) {
    totalCount
    edges { node { topicId nonce state workerWindow { openAt closeAt isOpen } } }
    pageInfo { hasNextPage endCursor }
  }
}

# Closing soonest first: what a reputer submits for next (overlapping windows of a topic flagged).
query OpenReputerWindows {
  openReputerWindows(first: 20, orderBy: CLOSING_SOONEST) {
    totalCount
    edges { node { id topicId nonce state reputerWindowOverlapsOlder reputerWindow { openAt closeAt isOpen } } }
    pageInfo { hasNextPage endCursor }
  }
}

query OpenWindowsOfTopic($topicId: Uint64 = "1") {
  worker: openWorkerWindows(topicId: $topicId) { edges { node { nonce workerWindow { closeAt } } } }
  reputer: openReputerWindows(topicId: $topicId) { edges { node { nonce reputerWindow { closeAt } } } }
}

query Dashboard {
  epochStateCounts { state count }
  topics(first: 10) { totalCount edges { node { id active epochLength lastNonce } } }
}

query RecentTransitions {
  transitions(first: 20) {
    edges { node { at topicId nonce transition from to source } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/** With the banner, the page becomes a column so GraphiQL keeps the rest of the viewport. */
const BANNER_LAYOUT = "<style>body{display:flex;flex-direction:column;height:100vh}#ruru-root{flex:1;min-height:0;height:auto}</style>";

function playgroundHtml(authOffBanner: boolean): string {
  const html = ruruHTML({
    staticPath: PLAYGROUND_STATIC_PATH,
    endpoint: "/graphql",
    clientConfig: { initialQuery: EXAMPLE_QUERIES },
    htmlParts: {
      titleTag: "<title>epoch-windows GraphQL playground</title>",
      ...(authOffBanner ? { styleTags: (base: string) => base + BANNER_LAYOUT } : {}),
    },
  });
  return authOffBanner ? withAuthOffBanner(html) : html;
}

/** A browser asking for a page (not a GET query: those carry `query`). */
function wantsPlayground(req: Request): boolean {
  return req.method === "GET" && req.query.query === undefined && req.accepts(["application/json", "text/html"]) === "text/html";
}

/** Serves the playground page; `authOffBanner` when authentication is disabled on purpose (AUTH_DISABLED). */
export function playgroundHandler(opts: { authOffBanner?: boolean } = {}): RequestHandler {
  const html = playgroundHtml(opts.authOffBanner ?? false);
  return (req, res, next) => {
    if (!wantsPlayground(req)) return next();
    res.type("html").set("cache-control", "no-cache").send(html);
  };
}

export const servePlaygroundAssets: RequestHandler = serveStatic(PLAYGROUND_STATIC_PATH) as RequestHandler;
