import { MalformedMessageError } from '../errors/malformed-message.error';
import { shortText } from '../errors/thrown-text';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { MAX_MESSAGE_ID_LENGTH, reservedKeyProblem } from '../messages/message-rules';
import type { UnreadableJobData } from './tolerant-job';

/** The length of the outbox's `origin_endpoint` column, where a reply's origin ends up. */
const MAX_ENDPOINT_LENGTH = 255;

/** How much of a job's unreadable data an error quotes. */
const QUOTED_CHARACTERS = 200;

/**
 * Checks a job's data is a message envelope and parses its payload; throws MalformedMessageError.
 * `unreadable`: the job's stored data was not even JSON.
 */
export function parseEnvelope(
  data: unknown,
  unreadable?: UnreadableJobData,
): { envelope: MessageEnvelope; payload: object } {
  if (unreadable) {
    const quoted = JSON.stringify(unreadable.raw.slice(0, QUOTED_CHARACTERS));
    const more =
      unreadable.raw.length > QUOTED_CHARACTERS
        ? ` (first ${QUOTED_CHARACTERS} of ${unreadable.raw.length} characters)`
        : '';
    throw new MalformedMessageError(
      `job data is not JSON (${unreadable.problem}): ${quoted}${more}`,
    );
  }
  if (typeof data !== 'object' || data === null)
    throw new MalformedMessageError('job data is not an object');
  const envelope = data as Partial<MessageEnvelope>;
  for (const field of ['id', 'type', 'payload'] as const) {
    if (typeof envelope[field] !== 'string' || envelope[field] === '') {
      throw new MalformedMessageError(`"${field}" must be a non-empty string`);
    }
  }
  if (
    typeof envelope.headers !== 'object' ||
    envelope.headers === null ||
    Array.isArray(envelope.headers)
  ) {
    throw new MalformedMessageError('"headers" must be an object');
  }
  const headersProblem = headerProblem(envelope.headers as Record<string, unknown>);
  if (headersProblem) throw new MalformedMessageError(headersProblem);
  // Both end up in columns of that size: a longer one would be cut, and two could collide.
  for (const [name, id] of [
    ['"id"', envelope.id],
    ['"headers.correlationId"', envelope.headers.correlationId],
  ] as const) {
    if (typeof id === 'string' && id.length > MAX_MESSAGE_ID_LENGTH)
      throw new MalformedMessageError(`${name} is longer than ${MAX_MESSAGE_ID_LENGTH} characters`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(envelope.payload as string);
  } catch (error) {
    throw new MalformedMessageError(`payload is not JSON (${(error as Error).message})`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new MalformedMessageError('payload is not a JSON object');
  }
  const reserved = reservedKeyProblem(payload);
  if (reserved) throw new MalformedMessageError(`payload: ${reserved}`);
  return { envelope: envelope as MessageEnvelope, payload };
}

/**
 * What is wrong with the headers, if anything: the library's own are the types it writes (a handler
 * copies them into what it sends), custom ones are strings or null.
 */
function headerProblem(headers: Record<string, unknown>): string | undefined {
  const reserved = reservedKeyProblem(headers);
  if (reserved) return `headers: ${reserved}`;
  const { correlationId, causationId, originEndpoint } = headers;
  if (typeof correlationId !== 'string' || correlationId === '')
    return '"headers.correlationId" must be a non-empty string';
  if (causationId !== undefined && causationId !== null && typeof causationId !== 'string')
    return '"headers.causationId" must be a string or null';
  if (typeof originEndpoint !== 'string' || originEndpoint === '')
    return '"headers.originEndpoint" must be a non-empty string';
  if (originEndpoint.length > MAX_ENDPOINT_LENGTH)
    return `"headers.originEndpoint" is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  const odd = Object.keys(headers).find(
    (name) => headers[name] !== null && typeof headers[name] !== 'string',
  );
  return odd === undefined ? undefined : `header "${shortText(odd)}" must be a string or null`;
}
