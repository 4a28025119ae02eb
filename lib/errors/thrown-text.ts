/** The text of anything a handler may throw: an Error's message, else the value as a string. */
export function thrownText(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  try {
    return String(thrown);
  } catch {
    return 'a value that has no text';
  }
}

/** What a handler threw, as an Error: BullMQ and callers record failures by their message. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(`Handler failed with ${thrownText(thrown)}`);
}
