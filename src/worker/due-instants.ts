/** A sorted multiset of future run_at instants (ms): one entry per queued job this process knows of. */
export class DueInstants {
  private instants: number[] = [];

  add(at: number): void {
    // Binary search for the insertion point; new jobs are mostly later than most known ones.
    let lo = 0;
    let hi = this.instants.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.instants[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    this.instants.splice(lo, 0, at);
  }

  earliest(): number | undefined {
    return this.instants[0];
  }

  /** Remove every instant ≤ `now`; returns how many there were. */
  takeUntil(now: number): number {
    let n = 0;
    while (n < this.instants.length && this.instants[n]! <= now) n++;
    this.instants.splice(0, n);
    return n;
  }

  reset(instants: number[]): void {
    this.instants = instants.sort((a, b) => a - b);
  }
}
