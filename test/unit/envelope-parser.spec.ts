import { MalformedMessageError } from '../../lib';
import { parseEnvelope } from '../../lib/transport/envelope.parser';

const headers = {
  correlationId: 'c',
  causationId: null,
  originEndpoint: 'a',
  sentAt: '2026-01-01T00:00:00.000Z',
};

describe('envelope parser', () => {
  it('parses a well-formed envelope', () => {
    const { envelope, payload } = parseEnvelope({
      id: '1',
      type: 'T',
      payload: '{"a":1}',
      headers,
    });
    expect(envelope.id).toBe('1');
    expect(payload).toEqual({ a: 1 });
  });

  it.each([
    ['null data', null, /not an object/],
    ['a string', 'oops', /not an object/],
    ['no id', { type: 'T', payload: '{}', headers }, /"id"/],
    ['empty type', { id: '1', type: '', payload: '{}', headers }, /"type"/],
    ['no headers', { id: '1', type: 'T', payload: '{}' }, /"headers"/],
    ['headers an array', { id: '1', type: 'T', payload: '{}', headers: [] }, /"headers"/],
    ['payload not JSON', { id: '1', type: 'T', payload: '{nope', headers }, /not JSON/],
    ['payload a number', { id: '1', type: 'T', payload: '42', headers }, /not a JSON object/],
    ['an id too long', { id: 'x'.repeat(65), type: 'T', payload: '{}', headers }, /"id" is longer/],
    [
      'a correlation id too long',
      { id: '1', type: 'T', payload: '{}', headers: { ...headers, correlationId: 'c'.repeat(65) } },
      /"headers.correlationId" is longer/,
    ],
    [
      'a correlation id that is an object',
      { id: '1', type: 'T', payload: '{}', headers: { ...headers, correlationId: { a: 1 } } },
      /"headers.correlationId" must be a non-empty string/,
    ],
    [
      'a causation id that is a number',
      { id: '1', type: 'T', payload: '{}', headers: { ...headers, causationId: 7 } },
      /"headers.causationId" must be a string or null/,
    ],
    [
      'no origin endpoint',
      { id: '1', type: 'T', payload: '{}', headers: { ...headers, originEndpoint: undefined } },
      /"headers.originEndpoint" must be a non-empty string/,
    ],
    [
      'an origin endpoint too long',
      {
        id: '1',
        type: 'T',
        payload: '{}',
        headers: { ...headers, originEndpoint: 'o'.repeat(256) },
      },
      /"headers.originEndpoint" is longer than 255/,
    ],
    [
      'a custom header that is an object',
      { id: '1', type: 'T', payload: '{}', headers: { ...headers, tenant: { id: 1 } } },
      /header "tenant" must be a string or null/,
    ],
    [
      'a header named __proto__',
      {
        id: '1',
        type: 'T',
        payload: '{}',
        headers: JSON.parse(
          `{"__proto__":{"x":1},"correlationId":"c","originEndpoint":"a"}`,
        ) as object,
      },
      /headers: a message may not have a field named "__proto__"/,
    ],
  ])('rejects %s', (_case, data, reason) => {
    expect(() => parseEnvelope(data)).toThrow(MalformedMessageError);
    expect(() => parseEnvelope(data)).toThrow(reason);
  });
  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a payload with a top-level "%s" key',
    (key) => {
      expect(() =>
        parseEnvelope({
          id: '1',
          type: 'T',
          payload: `{"a":1,"${key}":{"isAdmin":true}}`,
          headers,
        }),
      ).toThrow(
        new MalformedMessageError(`payload: a message may not have a field named "${key}"`),
      );
    },
  );
});
