import { Injectable } from '@nestjs/common';
import { ConsistentHandler, MessageContext } from '../lib';
import { AChange, BOrdered, BStep, COrdered, CStep } from './chain.entities';
import { sleepsPastLock } from './chain.keys';
import {
  GroupAdvanced,
  GroupRelayed,
  LegacyNotice,
  ProcessStarted,
  StepRecorded,
} from './chain.messages';

/** How long B sleeps, in its transaction, for the keys of `sleepsPastLock`: past the 2 s lock. */
const slowHandlerMs = Number(process.env.HARNESS_SLOW_HANDLER_MS ?? 3000);

/** A lock wait of 2 s at most, per database: the statement that sets it for the handler. */
const SHORT_LOCK_WAITS: Record<string, string> = {
  mysql: 'SET SESSION innodb_lock_wait_timeout = 2',
  postgres: "SET LOCAL lock_timeout = '2s'",
};

/** Lock waits fail after 2 s in the handlers' sessions, so the lock-wait fault can time them out. */
async function shortLockWaits(context: MessageContext): Promise<void> {
  await context.manager.query(SHORT_LOCK_WAITS[context.manager.connection.options.type]);
}

/** Endpoint B: records its step and publishes the follow-up, in the message's transaction. */
@Injectable()
export class StepBHandler {
  @ConsistentHandler(ProcessStarted)
  async onStarted(message: ProcessStarted, context: MessageContext): Promise<void> {
    await shortLockWaits(context);
    await context.manager.insert(BStep, {
      key: message.key,
      messageId: context.messageId,
      pid: process.pid,
      causeVisible: (await context.manager.countBy(AChange, { key: message.key })) > 0,
    });
    if (sleepsPastLock(message.key)) await new Promise((ok) => setTimeout(ok, slowHandlerMs));
    context.publish(new StepRecorded(message.key));
  }

  /** The keyed chain: records the version it sees and relays it, keyed by the group again. */
  @ConsistentHandler(GroupAdvanced)
  async onAdvanced(message: GroupAdvanced, context: MessageContext): Promise<void> {
    await shortLockWaits(context);
    await context.manager.insert(BOrdered, { orderGroup: message.group, version: message.version });
    context.publish(new GroupRelayed(message.group, message.version), {
      orderingKey: message.group,
    });
  }
}

/** Endpoint C: the end of the chain. */
@Injectable()
export class StepCHandler {
  @ConsistentHandler(StepRecorded)
  async onRecorded(message: StepRecorded, context: MessageContext): Promise<void> {
    await shortLockWaits(context);
    await context.manager.insert(CStep, {
      key: message.key,
      messageId: context.messageId,
      pid: process.pid,
      causeVisible: (await context.manager.countBy(BStep, { key: message.key })) > 0,
    });
  }

  @ConsistentHandler(GroupRelayed)
  async onRelayed(message: GroupRelayed, context: MessageContext): Promise<void> {
    await shortLockWaits(context);
    await context.manager.insert(COrdered, { orderGroup: message.group, version: message.version });
  }
}

/**
 * An old version of B or C (a rolling deploy): it knows a retired type only, not the chain's. It
 * still consumes the endpoint's queue, so it picks up messages it has no handler for.
 */
@Injectable()
export class LegacyHandler {
  @ConsistentHandler(LegacyNotice)
  async onNotice(): Promise<void> {}
}
