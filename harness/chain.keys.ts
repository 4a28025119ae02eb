/** The business keys of a run and which of them behave specially, the same for every process. */
export function businessKey(index: number): string {
  return `k-${String(index).padStart(6, '0')}`;
}

function indexOf(key: string): number {
  return Number(key.slice(2));
}

/** A fails after publishing, inside its unit of work: no row, no message may exist for these. */
export function failsAtStart(key: string): boolean {
  return indexOf(key) % 10 === 7;
}

/** B's handler sleeps past the job lock for these. */
export function sleepsPastLock(key: string): boolean {
  return indexOf(key) % 23 === 5;
}

/** Ordering groups of a run: every business process also advances one, under its ordering key. */
export const ORDER_GROUPS = 20;

/** The ordering group a business process advances. */
export function groupOf(key: string): string {
  return `g-${String(indexOf(key) % ORDER_GROUPS).padStart(2, '0')}`;
}

export function allGroups(): string[] {
  return Array.from({ length: ORDER_GROUPS }, (_, index) => `g-${String(index).padStart(2, '0')}`);
}
