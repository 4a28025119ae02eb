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

/** Longest error text (a handler's error message, say) copied into a log line. */
export const MAX_LOGGED_ERROR_LENGTH = 500;

/** `text`, cut to `max` characters with a note of the full length. */
export function shortText(text: string, max = MAX_QUOTED_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** An error's message as a log line quotes it: at most MAX_LOGGED_ERROR_LENGTH characters. */
export function loggedError(error: Error): string {
  return shortText(error.message, MAX_LOGGED_ERROR_LENGTH);
}
