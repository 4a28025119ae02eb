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

/** Longest text from outside (a type name, an error message) copied into errors and logs. */
export const MAX_QUOTED_LENGTH = 120;

/** `text`, cut to `MAX_QUOTED_LENGTH` characters with a note of the full length. */
export function shortText(text: string): string {
  return text.length <= MAX_QUOTED_LENGTH
    ? text
    : `${text.slice(0, MAX_QUOTED_LENGTH)}… (${text.length} characters)`;
}
