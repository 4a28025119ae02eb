/** How often a step that takes a while says what it is doing. */
const EVERY_MS = 2000;

/**
 * Resolves as `work` does; until then prints `  … <what()> (N s)` every 2 s, so that no step of
 * the run is silent for longer.
 */
export async function withProgress<T>(what: () => string, work: Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(
    () => console.log(`  … ${what()} (${((Date.now() - started) / 1000).toFixed(0)} s)`),
    EVERY_MS,
  );
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
