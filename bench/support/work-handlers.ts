import { Inject, Injectable, type Provider } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InsertResult, Repository } from 'typeorm';
import { ConsistentHandler, MessageContext } from '../../lib';
import { BenchRow, Followup, newMessageId, randomIds, SINK_QUEUE, Work } from './messages';

/** How the consistent endpoint's handler reaches the database. */
export interface HandlerOptions {
  /**
   * `context`: `context.manager`, the unit's own manager; `repository`: a repository injected with
   * `@InjectRepository()`, whose statements join the unit through the ambient transaction.
   */
  via: 'context' | 'repository';
  /** Three primary-key reads of the row just written, the same way, after the insert. */
  readBack?: boolean;
}

const READ_BACK = Symbol('bench read back');

/** The same work as the naive worker, as a consistent handler: row and follow-up in one unit. */
@Injectable()
export class WorkHandler {
  constructor(@Inject(READ_BACK) private readonly readBack: boolean) {}

  @ConsistentHandler(Work)
  async handle(work: Work, context: MessageContext): Promise<void> {
    const inserted = await context.manager.insert(BenchRow, rowOf(work, context));
    if (this.readBack) await readRowBack(context.manager.getRepository(BenchRow), inserted);
    sendFollowup(work, context);
  }
}

/** WorkHandler writing through an injected repository: on the handler's transaction, joined. */
@Injectable()
export class RepositoryWorkHandler {
  constructor(
    @InjectRepository(BenchRow) private readonly rows: Repository<BenchRow>,
    @Inject(READ_BACK) private readonly readBack: boolean,
  ) {}

  @ConsistentHandler(Work)
  async handle(work: Work, context: MessageContext): Promise<void> {
    const inserted = await this.rows.insert(rowOf(work, context));
    if (this.readBack) await readRowBack(this.rows, inserted);
    sendFollowup(work, context);
  }
}

/** The handler of the endpoint (WorkHandler on `context.manager` by default) and its setting. */
export function handlerProviders(options: HandlerOptions = { via: 'context' }): Provider[] {
  return [
    options.via === 'repository' ? RepositoryWorkHandler : WorkHandler,
    { provide: READ_BACK, useValue: options.readBack ?? false },
  ];
}

function rowOf(work: Work, context: MessageContext): Pick<BenchRow, 'messageId' | 'amountCents'> {
  return { messageId: context.messageId, amountCents: work.amountCents };
}

/** The follow-up, under the incoming message's ordering key if it has one. */
function sendFollowup(work: Work, context: MessageContext): void {
  const orderingKey = context.headers.orderingKey ?? undefined;
  const options = {
    ...(randomIds() && { messageId: newMessageId() }),
    ...(orderingKey && { orderingKey }),
  };
  context.send(SINK_QUEUE, new Followup(work.n, work.amountCents), options);
}

/**
 * Reads the uncommitted row back three times: only its own transaction sees it, so a read that
 * misses it ran on another connection.
 */
async function readRowBack(rows: Repository<BenchRow>, inserted: InsertResult): Promise<void> {
  const { id } = inserted.identifiers[0] as Pick<BenchRow, 'id'>;
  const found = await rows.findOneBy({ id });
  const count = await rows.countBy({ id });
  const exists = await rows.existsBy({ id });
  if (!found || count !== 1 || !exists)
    throw new Error(`row ${id} not read back in its own transaction: ${[!!found, count, exists]}`);
}
