import { Injectable } from '@nestjs/common';

/** The messages this process is working on now, to tell how long the oldest has been in progress. */
@Injectable()
export class InFlightMessages {
  /** Start times in start order: the first is the oldest. */
  private readonly started = new Set<{ at: number }>();

  /** Counts a message in; call the returned function when its attempt ends, however it ends. */
  begin(): () => void {
    const entry = { at: Date.now() };
    this.started.add(entry);
    return () => this.started.delete(entry);
  }

  get count(): number {
    return this.started.size;
  }

  /** How long the oldest message in progress has been (0 when none is). */
  oldestAgeMs(): number {
    const oldest = this.started.values().next().value;
    return oldest ? Date.now() - oldest.at : 0;
  }
}
