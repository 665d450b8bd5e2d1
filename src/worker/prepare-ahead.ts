/**
 * A scheduled write's transaction opens this long before its due instant (jobs are claimed
 * WORKER_LEAD_MS before it): lock and read, decide, then wait for the instant, so only the one
 * write statement lies between the instant and the transition's `at` — not the BEGIN, lock and read
 * round trips, each of which costs a CPU wake-up when the host is busy. It holds a pooled
 * connection that much longer; an epoch's other writers (an operator's override or cancel) wait at
 * most that much longer for its lock. Periodic starts read their topic without a lock meanwhile.
 */
export const PREPARE_MS = 30;
