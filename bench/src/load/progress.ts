/** One live status line: rewritten in place on a terminal, printed every few seconds otherwise. */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private lastPrinted = 0;
  private readonly tty = process.stdout.isTTY === true;

  private readonly label: string;

  constructor(label: string) {
    this.label = label;
  }

  start(describe: () => string): void {
    this.timer = setInterval(() => this.show(describe()), 250);
  }

  done(summary: string): void {
    clearInterval(this.timer);
    if (this.tty) process.stdout.write("\r\x1b[K");
    console.log(`  ${this.label} ${summary}`);
  }

  private show(line: string): void {
    if (this.tty) {
      process.stdout.write(`\r\x1b[K  ${this.label} ${line}`.slice(0, process.stdout.columns ?? 160));
    } else if (Date.now() - this.lastPrinted >= 2_000) {
      this.lastPrinted = Date.now();
      console.log(`  ${this.label} ${line}`);
    }
  }
}
