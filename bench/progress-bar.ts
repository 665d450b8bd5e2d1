/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10 % otherwise). */
export class ProgressBar {
  private done = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(n = 1): void {
    this.done += n;
    const now = performance.now();
    if (now - this.lastDraw >= 100) this.draw(now);
  }

  finish(): void {
    this.done = this.total;
    this.draw(performance.now());
    if (this.stream.isTTY) this.stream.write("\n");
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const ratio = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const seconds = (now - this.started) / 1000;
    const rate = this.done / Math.max(seconds, 0.001);
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const width = 30;
    const bar = "█".repeat(Math.round(ratio * width)).padEnd(width, "░");
    const text = `${this.label.padEnd(20)} ${bar} ${(ratio * 100).toFixed(0).padStart(3)}% ${this.done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")} · ${Math.round(rate).toLocaleString("en-US")}/s · ${ratio < 1 ? `ETA ${eta.toFixed(0)} s` : `${seconds.toFixed(1)} s`}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${text}\x1b[K`);
    } else {
      const decile = Math.floor(ratio * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(text + "\n");
      }
    }
  }
}
