import { shortText } from '../errors/thrown-text';
import { MAX_ORDERING_KEY_LENGTH } from '../ordering/ordering-headers';
import { badRequest } from './admin-error';

export const MAX_PAGE = 200;

/** An optional integer query parameter within bounds; 400 with the parameter's name otherwise. */
export function intParam(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw badRequest(`${name}: an integer from ${min} to ${max} (got "${shortText(raw)}")`);
  }
  return value;
}

/** An optional ISO date query parameter; 400 if it does not parse. */
export function dateParam(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const date = new Date(raw);
  // Years past 9999 (`+010000-…`) don't fit a DATETIME column: compared as text, they would flip.
  if (
    Number.isNaN(date.getTime()) ||
    date.getUTCFullYear() < 1970 ||
    date.getUTCFullYear() > 9999
  ) {
    throw badRequest(
      `${name}: an ISO 8601 date from 1970 to 9999, e.g. 2026-01-31T12:00:00Z (got "${shortText(raw)}")`,
    );
  }
  return date;
}

/** An optional value from a fixed set. */
export function oneOf<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw badRequest(`${name}: one of ${allowed.join(', ')} (got "${shortText(raw)}")`);
  }
  return raw as T;
}

/** An optional short string filter. */
export function textParam(
  name: string,
  raw: string | undefined,
  maxLength = 255,
): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > maxLength) {
    throw badRequest(`${name}: a string of at most ${maxLength} characters`);
  }
  return raw;
}

/** `{ messageIds: string[] }` with 1 to MAX_PAGE ids. */
export function messageIdsBody(body: unknown): string[] {
  const ids = (body as { messageIds?: unknown } | undefined)?.messageIds;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > MAX_PAGE ||
    !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 64)
  ) {
    throw badRequest(
      `messageIds: a JSON array of 1 to ${MAX_PAGE} message ids (strings), e.g. {"messageIds":["…"]}`,
    );
  }
  return [...new Set(ids as string[])];
}

/** `{"since": "<ISO 8601 date>"}`: a moment in the past. */
export function sinceBody(body: unknown): Date {
  const raw = (body as { since?: unknown } | undefined)?.since;
  const since = typeof raw === 'string' ? dateParam('since', raw) : undefined;
  if (!since || since.getTime() > Date.now())
    throw badRequest('since: an ISO 8601 date in the past, e.g. {"since":"2026-01-31T12:00:00Z"}');
  return since;
}

/** `{"originEndpoint": "…", "orderingKey": "…"}`: one ordering key. */
export function orderingKeyBody(body: unknown): { originEndpoint: string; orderingKey: string } {
  const { originEndpoint, orderingKey } = (body ?? {}) as Record<string, unknown>;
  const valid = (value: unknown): value is string =>
    typeof value === 'string' && value.length > 0 && value.length <= MAX_ORDERING_KEY_LENGTH;
  if (!valid(originEndpoint) || !valid(orderingKey))
    throw badRequest(
      `originEndpoint and orderingKey: strings of 1 to ${MAX_ORDERING_KEY_LENGTH} characters, e.g. {"originEndpoint":"orders","orderingKey":"order-42"}`,
    );
  return { originEndpoint, orderingKey };
}
