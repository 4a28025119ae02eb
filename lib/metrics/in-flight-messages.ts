import { Injectable } from '@nestjs/common';

/** The messages this process is working on now, to tell how long the oldest has been in progress. */
@Injectable()
export class InFlightMessages {
  private readonly started = new Set<{ at: number }>();

  /** Counts a message in; call the returned function when its attempt ends, however it ends. */
  begin(at = Date.now()): () => void {
    const entry = { at };
    this.started.add(entry);
    return () => this.started.delete(entry);
  }

  /** Counts handlers given up on (attempt timed out) until they really return. */
  stillRunning(work: Promise<unknown>, since: number): void {
    const end = this.begin(since);
    work.then(end, end);
  }

  get count(): number {
    return this.started.size;
  }

  /** How long the oldest message in progress has been (0 when none is). */
  oldestAgeMs(): number {
    let oldest = Infinity;
    for (const { at } of this.started) oldest = Math.min(oldest, at);
    return oldest === Infinity ? 0 : Date.now() - oldest;
  }
}
