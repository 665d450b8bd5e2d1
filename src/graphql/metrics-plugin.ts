/** Apollo plugin feeding request durations (by operation) and errors (by code) to the metrics. */
import type { ApolloServerPlugin } from "@apollo/server";
import type { Metrics } from "../observability/metrics.js";

/** Operation names come from clients: cap the label's cardinality. */
const MAX_OPERATION_NAMES = 200;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function metricsPlugin<C extends object>(metrics: Metrics): ApolloServerPlugin<C> {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return "anonymous";
    if (!NAME.test(name)) return "invalid";
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return "other";
    seen.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(rc) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requestDuration.observe({ operation: label(rc.operationName), type: rc.operation?.operation ?? "unknown" }, seconds);
          const body = rc.response.body;
          const errors = body.kind === "single" ? body.singleResult.errors : body.initialResult.errors;
          for (const e of errors ?? []) metrics.errors.inc({ code: String(e.extensions?.code ?? "UNKNOWN") });
        },
      };
    },
  };
}
