/**
 * Liveness (/healthz: the process answers) and readiness (/readyz: every check passes, e.g. the
 * database answers, migrations are applied, an in-process worker's heartbeat is fresh).
 */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; throws (or times out) otherwise. */
  check(): Promise<void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; error?: string }>;
}

export async function runReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [c.name, { ok: true }] as const;
      } catch (err) {
        return [c.name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}
