import type { QueryRunner } from 'typeorm';
import { InvalidMessageError, Message, type MessageEnvelope } from '../../lib';
import { UnitOfWork } from '../../lib/unit-of-work/unit-of-work';
import { submissionMessageId } from '../../lib/unit-of-work/submission';
import { envelopeOf } from '../support/jobs';

@Message('uow.Note')
class Note {
  constructor(readonly text: string) {}
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7/;

/** A unit handling two messages in turn, as a batch does; no database needed. */
function batchUnit(): { unit: UnitOfWork; first: MessageEnvelope; second: MessageEnvelope } {
  const unit = new UnitOfWork({} as QueryRunner, 'uow', 'library');
  return { unit, first: envelopeOf(new Note('1')), second: envelopeOf(new Note('2')) };
}

describe('unit of work with several incoming messages', () => {
  it("records each message's sends as caused by it, with its correlation id", () => {
    const { unit, first, second } = batchUnit();
    unit.beginMessage(first);
    const firstOrigin = unit.origin;
    unit.record(new Note('a'), 'x');
    unit.beginMessage(second);
    unit.record(new Note('b'), 'x');
    // Sent late through the first message's origin (what its MessageContext keeps).
    unit.record(new Note('c'), 'x', {}, firstOrigin);
    const headers = unit.pending.map((message) => message.headers);
    expect(headers.map((one) => one.causationId)).toEqual([first.id, second.id, first.id]);
    expect(headers.map((one) => one.correlationId)).toEqual([
      first.headers.correlationId,
      second.headers.correlationId,
      first.headers.correlationId,
    ]);
  });

  it("doesn't carry a business key of one message over to the next", () => {
    const { unit, first, second } = batchUnit();
    const k1 = { scope: 'Checkout.submit', key: 'cart-1' };
    const k2 = { scope: 'Checkout.submit', key: 'cart-2' };
    unit.beginMessage(first);
    unit.deriveIdsFrom(k1);
    expect(unit.record(new Note('a'), 'x')).toBe(submissionMessageId(k1, 0));
    unit.beginMessage(second);
    expect(unit.record(new Note('b'), 'x')).toMatch(V7);
    unit.deriveIdsFrom(k2);
    expect(unit.record(new Note('c'), 'x')).toBe(submissionMessageId(k2, 0));
  });
});

describe('recording a message', () => {
  const unit = () => new UnitOfWork({} as QueryRunner, 'uow', 'library');

  it.each([
    [
      'an id longer than the column',
      { messageId: 'x'.repeat(65) },
      'x',
      /65 characters long, at most 64/,
    ],
    ['an integer id (BullMQ refuses it)', { messageId: '12345' }, 'x', /is an integer/],
    ['an id with ":" (BullMQ refuses it)', { messageId: 'order:42' }, 'x', /contains ":"/],
    ['a destination with ":"', {}, 'orders:eu', /endpoint name "orders:eu"/],
    [
      'a header that is not a string',
      { headers: { tenant: 42 } as unknown as Record<string, string> },
      'x',
      /header "tenant" must be a string/,
    ],
    [
      'a header named __proto__',
      { headers: JSON.parse('{"__proto__":"x"}') as Record<string, string> },
      'x',
      /headers: a message may not have a field named "__proto__"/,
    ],
  ])('refuses %s at once, recording nothing', (_what, options, destination, reason) => {
    const unitOfWork = unit();
    const recording = () => unitOfWork.record(new Note('n'), destination, options);
    expect(recording).toThrow(InvalidMessageError);
    expect(recording).toThrow(reason);
    expect(unitOfWork.pending).toEqual([]);
  });

  it('refuses a message carrying a constructor of its own (a request body copied into it)', () => {
    const unitOfWork = unit();
    const forged = Object.assign(
      new Note('n'),
      JSON.parse('{"constructor":{"name":"sec.OrderPlaced"}}'),
    );
    expect(() => unitOfWork.record(forged, null)).toThrow(
      /Cannot record this message: a message may not have a field named "constructor"/,
    );
    expect(unitOfWork.pending).toEqual([]);
  });

  it('checks what a toJSON() makes of the message, and records exactly that', () => {
    class Shaped extends Note {
      toJSON(): object {
        return JSON.parse('{"__proto__x":1,"constructor":"Z"}') as object;
      }
    }
    expect(() => unit().record(new Shaped('n'), null)).toThrow(
      /a message may not have a field named "constructor"/,
    );
    class Text extends Note {
      toJSON(): string {
        return 'just text';
      }
    }
    expect(() => unit().record(new Text('n'), null)).toThrow(/must serialize to a JSON object/);
    class Renamed extends Note {
      toJSON(): object {
        return { body: this.text };
      }
    }
    const unitOfWork = unit();
    unitOfWork.record(new Renamed('n'), null);
    expect(unitOfWork.pending[0].payload).toBe('{"body":"n"}');
  });

  it('takes an id of 64 characters and an endpoint name with dots and dashes', () => {
    const id = 'a'.repeat(64);
    expect(unit().record(new Note('n'), 'billing.eu-1', { messageId: id })).toBe(id);
  });
});
