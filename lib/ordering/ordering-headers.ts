import { MalformedMessageError } from '../errors/malformed-message.error';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';

/** The header holding a message's ordering key, as given to `publish` or `send`. */
export const ORDERING_KEY_HEADER = 'orderingKey';
/**
 * The header holding, for each destination of a keyed message, its place in the key's order at
 * that destination: JSON `{ "<endpoint>": [sequence, previous] }`, `previous` 0 for the first.
 */
export const ORDERING_SEQUENCES_HEADER = 'orderingSequences';
/** Longest ordering key the ordering tables' keys hold (`VARCHAR(191)`: utf8mb4 keys). */
export const MAX_ORDERING_KEY_LENGTH = 191;

/** A keyed message's place in its key's order at one destination. */
export interface OrderedPlace {
  originEndpoint: string;
  key: string;
  sequence: number;
  /** Sequence of the message before it at this destination; 0 when it starts the key (again). */
  previous: number;
}

/** Why an ordering key can't be used, or undefined if it can. */
export function orderingKeyProblem(key: unknown, from?: string): string | undefined {
  const source = from ? ` (from ${from})` : '';
  if (typeof key !== 'string' || key === '')
    return `an ordering key must be a non-empty string${source}`;
  // Characters as the database counts them: code points, not UTF-16 units.
  const length = [...key].length;
  if (length > MAX_ORDERING_KEY_LENGTH)
    return `ordering key "${key.slice(0, 20)}…" is ${length} characters long, at most ${MAX_ORDERING_KEY_LENGTH}${source}`;
  // MySQL compares strings without trailing spaces: "a" and "a " would be one key there.
  if (key.endsWith(' '))
    return `ordering key "${key.slice(0, 20)}" ends with a space, which MySQL ignores when comparing keys${source}`;
  return undefined;
}

/**
 * Custom headers without the ordering ones, which only the library sets (as it sets the
 * correlation and causation ids over any given): a handler that forwards the headers it received
 * must not pass on its message's place in another key's order.
 */
export function withoutOrderingHeaders(
  headers: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!headers || !(ORDERING_KEY_HEADER in headers || ORDERING_SEQUENCES_HEADER in headers))
    return headers;
  const rest = { ...headers };
  delete rest[ORDERING_KEY_HEADER];
  delete rest[ORDERING_SEQUENCES_HEADER];
  return rest;
}

/** The places of a keyed message, per destination, as its header carries them. */
export type Sequences = Record<string, [sequence: number, previous: number]>;

export function formatSequences(sequences: Sequences): string {
  return JSON.stringify(sequences);
}

/** The destinations a keyed message was numbered for, or undefined for an unkeyed one. */
export function sequencedDestinations(headers: MessageHeaders): string[] | undefined {
  const raw = headers[ORDERING_SEQUENCES_HEADER];
  if (typeof raw !== 'string') return undefined;
  try {
    return Object.keys(JSON.parse(raw) as Sequences);
  } catch {
    return [];
  }
}

/** As `orderedPlaceAt`, but undefined too when the headers are missing or malformed. */
export function readablePlaceAt(
  headers: MessageHeaders | undefined,
  endpoint: string,
): OrderedPlace | undefined {
  try {
    return headers ? orderedPlaceAt(headers, endpoint) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The message's place at `endpoint`, or undefined when it carries no ordering for it (unkeyed, or
 * a copy re-sent by hand to an endpoint it was not numbered for). Throws MalformedMessageError
 * when the headers are not what the library writes.
 */
export function orderedPlaceAt(
  headers: MessageHeaders,
  endpoint: string,
): OrderedPlace | undefined {
  const key = headers[ORDERING_KEY_HEADER];
  const raw = headers[ORDERING_SEQUENCES_HEADER];
  if (key === undefined || key === null || raw === undefined || raw === null) return undefined;
  const problem = orderingKeyProblem(key);
  if (problem) throw new MalformedMessageError(`"headers.${ORDERING_KEY_HEADER}": ${problem}`);
  let sequences: unknown;
  try {
    sequences = JSON.parse(raw);
  } catch {
    throw new MalformedMessageError(`"headers.${ORDERING_SEQUENCES_HEADER}" is not JSON`);
  }
  if (typeof sequences !== 'object' || sequences === null || Array.isArray(sequences))
    throw new MalformedMessageError(`"headers.${ORDERING_SEQUENCES_HEADER}" must be an object`);
  if (!Object.prototype.hasOwnProperty.call(sequences, endpoint)) return undefined;
  const place: unknown = (sequences as Record<string, unknown>)[endpoint];
  if (!isPlace(place))
    throw new MalformedMessageError(
      `"headers.${ORDERING_SEQUENCES_HEADER}" of "${endpoint}" must be [sequence, previous]`,
    );
  return { originEndpoint: headers.originEndpoint, key, sequence: place[0], previous: place[1] };
}

function isPlace(value: unknown): value is [number, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) &&
    (value[0] as number) > (value[1] as number)
  );
}
