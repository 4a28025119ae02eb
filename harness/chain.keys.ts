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
