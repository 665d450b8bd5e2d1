/** Resolve at wall-clock instant `at` (ms), or at once when it has passed. */
export function sleepUntil(at: number): Promise<void> {
  const delay = at - Date.now();
  if (delay <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      // Timers may fire a fraction of a millisecond early against Date.now(); never act before `at`.
      const left = at - Date.now();
      if (left <= 0) resolve();
      else setTimeout(check, left);
    };
    setTimeout(check, delay);
  });
}
