/**
 * Fixed-concurrency HTTP load with autocannon (programmatic API). Latencies are taken from each
 * response (autocannon's own histogram keeps whole milliseconds), and every response body must be
 * byte-identical to the verified one (`expectBody`), or pass `verifyBody`: an error page served fast
 * counts as a failure.
 */
import autocannon from "autocannon";
import { percentile } from "./report.js";

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  /** The answer verified beforehand; any other body is a mismatch. */
  readonly expectBody?: string;
  /** Instead of one expected body (the data may change under writes): false counts as a mismatch. */
  readonly verifyBody?: (body: string) => boolean;
  readonly connections: number;
  readonly durationS: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Non-2xx responses, connection errors and mismatched bodies. */
  readonly failures: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: opts.body,
        expectBody: opts.expectBody,
        verifyBody: opts.verifyBody && ((body) => opts.verifyBody!(String(body ?? ""))),
        connections: opts.connections,
        duration: opts.durationS,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    reqPerSec: latencies.length / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failures: result.non2xx + result.errors + result.mismatches,
  };
}
