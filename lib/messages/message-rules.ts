/** Longest message id the outbox and inbox columns hold (`VARCHAR(64)`). */
export const MAX_MESSAGE_ID_LENGTH = 64;
/** Longest message type the columns hold (`VARCHAR(255)`). */
export const MAX_NAME_LENGTH = 255;
/** Longest endpoint name the inbox and dead-letter keys hold (`VARCHAR(191)`: utf8mb4 keys). */
export const MAX_ENDPOINT_LENGTH = 191;
/** An endpoint name: also a BullMQ queue name, which may not contain ':'. */
export const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Why a message id can't be used, or undefined if it can: it must fit the columns (on a server
 * without strict `sql_mode` a longer one would be cut, and two ids could collide), and BullMQ,
 * where it is the job id, refuses integers and ':'.
 */
export function messageIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '') return 'a message id must be a non-empty string';
  if (id.length > MAX_MESSAGE_ID_LENGTH)
    return `message id "${id.slice(0, 20)}…" is ${id.length} characters long, at most ${MAX_MESSAGE_ID_LENGTH}`;
  if (`${parseInt(id, 10)}` === id)
    return `message id "${id}" is an integer, which BullMQ refuses as a job id`;
  if (id.includes(':')) return `message id "${id}" contains ":", which BullMQ refuses in a job id`;
  return undefined;
}

/** Why an endpoint name can't be a destination, or undefined if it can. */
export function endpointNameProblem(name: string): string | undefined {
  if (!ENDPOINT_NAME.test(name) || name.length > MAX_ENDPOINT_LENGTH)
    return `endpoint name "${name}" must be letters, digits, ".", "_" or "-", at most ${MAX_ENDPOINT_LENGTH} characters`;
  return undefined;
}

/** Keys that reach the prototype machinery when an object is copied or merged. */
const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * Why a message's fields can't be sent or received, or undefined: a top-level `__proto__`,
 * `constructor` or `prototype` field is refused, as it could forge a message's type or prototype.
 */
export function reservedKeyProblem(fields: object): string | undefined {
  const found = Object.keys(fields).filter((key) => RESERVED_KEYS.includes(key));
  return found.length > 0
    ? `a message may not have a field named ${found.map((key) => `"${key}"`).join(', ')}`
    : undefined;
}

/** Why custom headers given to publish or send can't be carried, or undefined. */
export function customHeadersProblem(headers: unknown): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
    return 'headers must be an object of strings';
  const reserved = reservedKeyProblem(headers);
  if (reserved) return `headers: ${reserved}`;
  const odd = Object.entries(headers).find(([, value]) => typeof value !== 'string');
  return odd ? `header "${odd[0].slice(0, 40)}" must be a string` : undefined;
}

/**
 * What a message serializes to: the result of its `toJSON()` if it has one (as JSON.stringify
 * takes it), checked like the message itself.
 */
export function serializedShape(message: object): { shape: unknown; problem?: string } {
  const toJSON = (message as { toJSON?: unknown }).toJSON;
  const shape: unknown = typeof toJSON === 'function' ? toJSON.call(message, '') : message;
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape))
    return { shape, problem: 'a message must serialize to a JSON object (check its toJSON())' };
  return { shape, problem: reservedKeyProblem(shape) };
}
