/** Says yes to a key at most once per interval: for log lines that would otherwise repeat. */
export class OncePerInterval {
  private readonly lastAt = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Whether `key` is due now; if so it is not again for one interval. */
  due(key: string, now = Date.now()): boolean {
    if ((this.lastAt.get(key) ?? -Infinity) > now - this.intervalMs) return false;
    this.lastAt.set(key, now);
    return true;
  }
}
