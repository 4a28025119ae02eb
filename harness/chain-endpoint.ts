/**
 * One worker process of endpoint B or C of the harness chain:
 *
 *   node -r ts-node/register/transpile-only harness/chain-endpoint.ts <b|c>
 *
 * Settings come from HARNESS_* (see harness.config.ts). With HARNESS_OLD_VERSION=1 it plays an old
 * version of the endpoint, one without a handler for the chain's type (LegacyHandler only); with
 * HARNESS_NO_ORDERING_GATE=1 it handles keyed messages as they come. Prints
 * `ready {"pid":…}` once it consumes its queue; closes gracefully on SIGTERM or when the parent's
 * IPC channel closes. The harness normally ends it with SIGKILL.
 */
import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsistentMessagingModule } from '../lib';
import { OrderingGate } from '../lib/ordering/ordering.gate';
import { AChange, BOrdered, BStep, COrdered, CStep } from './chain.entities';
import { LegacyHandler, StepBHandler, StepCHandler } from './chain.handlers';
import { chainMessaging, connectionsFromEnv, queuePrefixOf } from './harness.config';

/** Each role writes its step and reads the previous one's. */
const roles: Record<string, { entities: Type[]; handler: Type }> = {
  b: { entities: [AChange, BStep, BOrdered], handler: StepBHandler },
  c: { entities: [BStep, CStep, COrdered], handler: StepCHandler },
};

/** C handles messages in shared transactions, B one at a time: every run exercises both paths. */
const BATCH_SIZE: Record<string, number> = { b: 1, c: 4 };

function rootModule(role: string): DynamicModule {
  const { prefix, db, redis } = connectionsFromEnv();
  const concurrency = Number(process.env.HARNESS_CONCURRENCY ?? 4);
  class ChainEndpointModule {}
  return {
    module: ChainEndpointModule,
    imports: [
      TypeOrmModule.forRoot({
        ...db,
        entities: roles[role].entities,
        entityPrefix: prefix,
      }),
      ConsistentMessagingModule.forRoot({
        endpoint: role,
        redis: { ...redis, connectionName: `harness-${process.pid}` },
        tablePrefix: prefix,
        queuePrefix: queuePrefixOf(prefix),
        concurrency,
        batchSize: Math.min(BATCH_SIZE[role], concurrency),
        ...chainMessaging,
      }),
    ],
    providers: [process.env.HARNESS_OLD_VERSION === '1' ? LegacyHandler : roles[role].handler],
  };
}

/** `--no-ordering-gate`: breaks per-key ordering on purpose, to see the harness catch it. */
function disableOrderingGate(): void {
  OrderingGate.prototype.admit = () => Promise.resolve({ verdict: 'handle', byKey: false });
  OrderingGate.prototype.orders = () => false;
}

async function main(): Promise<void> {
  const role = process.argv[2] ?? '';
  if (process.env.HARNESS_NO_ORDERING_GATE === '1') disableOrderingGate();
  if (!roles[role]) throw new Error(`role: give b or c (got "${role}")`);
  const app = await NestFactory.createApplicationContext(rootModule(role), {
    logger: process.env.HARNESS_LOGS ? ['log', 'warn', 'error'] : ['error'],
    abortOnError: false,
  });
  const stop = () =>
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGTERM', stop);
  if (process.send) process.once('disconnect', stop);
  process.stdout.write(`ready ${JSON.stringify({ pid: process.pid, role })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[${process.pid}] failed to start: ${String(error)}\n`);
  process.exit(1);
});
