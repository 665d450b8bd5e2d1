/**
 * The host's own wake-up lateness, as a control for the scheduler's: a timer set for an instant every
 * `everyMs` in this process, measuring how late it fires. On a shared, overloaded host this floor
 * (the wait for a CPU) is what a worker's sleep-until-due pays too, before any database work.
 */
import { percentile } from "./report.js";

export interface TimerProbe {
  stop(): { readonly n: number; readonly p50: number; readonly p99: number; readonly max: number };
}

export function startTimerProbe(everyMs = 50): TimerProbe {
  const late: number[] = [];
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const at = Date.now() + everyMs;
    handle = setTimeout(() => {
      late.push(Date.now() - at);
      arm();
    }, everyMs);
  };
  arm();
  return {
    stop() {
      clearTimeout(handle);
      const sorted = [...late].sort((a, b) => a - b);
      return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
    },
  };
}
