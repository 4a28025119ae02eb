import { performance } from 'perf_hooks';

/**
 * When each follow-up message's transaction committed and when Redis confirmed its job: the
 * consistent side fills it from the `afterCommitBeforeDispatch` and `afterDispatchBeforeMark` fault
 * hooks, the naive worker from its own code at the same two points.
 */
export class DispatchTimings {
  /** Per message id: performance.now() at commit and at dispatch, Date.now() at commit. */
  readonly committedAt = new Map<string, number>();
  readonly committedAtEpochMs = new Map<string, number>();
  readonly dispatchedAt = new Map<string, number>();

  committed(messageIds: string[]): void {
    const now = performance.now();
    const epoch = Date.now();
    for (const id of messageIds) {
      this.committedAt.set(id, now);
      this.committedAtEpochMs.set(id, epoch);
    }
  }

  dispatched(messageIds: string[]): void {
    const now = performance.now();
    for (const id of messageIds) this.dispatchedAt.set(id, now);
  }

  /** Commit to Redis confirming the add, in ms, per message dispatched. */
  commitToDispatchMs(): number[] {
    const delays: number[] = [];
    for (const [id, dispatched] of this.dispatchedAt) {
      const committed = this.committedAt.get(id);
      if (committed !== undefined) delays.push(dispatched - committed);
    }
    return delays;
  }
}
