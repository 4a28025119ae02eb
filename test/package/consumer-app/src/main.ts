/**
 * A separate Nest 11 application that uses nestjs-consistent-messaging as an installed package:
 * every import of the library is from the package root or its `testing` entry. It boots against the
 * real MySQL and Redis, places one order through an @Outbox() method, waits for its own handler of
 * the published event and for the test kit's drain, prints one JSON line and exits 0 (non-zero on
 * failure).
 *
 * Env: CM_TABLE_PREFIX, CM_QUEUE_PREFIX (required), DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,
 * DB_NAME, REDIS_HOST, REDIS_PORT.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import {
  ConsistentHandler,
  ConsistentMessagingModule,
  Message,
  MessageContext,
  MessagePublisher,
  Outbox,
  UnitOfWorkHost,
  messageTypeOf,
  type ConsistentMessagingAsyncOptions,
  type ConsistentMessagingModuleOptions,
  type MessageHeaders,
} from 'nestjs-consistent-messaging';
import { MessagingTestKit } from 'nestjs-consistent-messaging/testing';

const HANDLER_TIMEOUT_MS = 15000;
const EXIT_GRACE_MS = 10000;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}`);
  return value;
}

const tablePrefix = requiredEnv('CM_TABLE_PREFIX');
const queuePrefix = requiredEnv('CM_QUEUE_PREFIX');

@Entity('order')
class OrderEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'int' })
  amount!: number;
}

@Message('consumer.OrderPlaced')
class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly amount: number,
  ) {}
}

interface Handled {
  orderId: string;
  messageId: string;
  messageType: string;
  headers: Readonly<MessageHeaders>;
  ordersInTransaction: number;
}

@Injectable()
class OrderService {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly unitOfWork: UnitOfWorkHost,
  ) {}

  @Outbox()
  async place(orderId: string, amount: number): Promise<string> {
    await this.unitOfWork.manager.insert(OrderEntity, { id: orderId, amount });
    return this.publisher.publish(new OrderPlaced(orderId, amount));
  }
}

@Injectable()
class OrderPlacedHandler {
  handled: Handled | undefined;

  @ConsistentHandler(OrderPlaced)
  async onOrderPlaced(message: OrderPlaced, context: MessageContext): Promise<void> {
    this.handled = {
      orderId: message.orderId,
      messageId: context.messageId,
      messageType: context.messageType,
      headers: context.headers,
      ordersInTransaction: await context.manager.count(OrderEntity),
    };
  }
}

const messaging: ConsistentMessagingAsyncOptions = {
  useFactory: (): ConsistentMessagingModuleOptions => ({
    endpoint: 'consumer-orders',
    redis: {
      host: process.env.REDIS_HOST ?? '127.0.0.1',
      port: Number(process.env.REDIS_PORT ?? 6379),
    },
    tablePrefix,
    queuePrefix,
    createTables: true,
  }),
};

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'mysql',
      host: process.env.DB_HOST ?? '127.0.0.1',
      port: Number(process.env.DB_PORT ?? 3306),
      username: process.env.DB_USER ?? 'root',
      password: process.env.DB_PASSWORD ?? '',
      database: process.env.DB_NAME ?? 'test',
      entities: [OrderEntity],
      entityPrefix: tablePrefix,
      synchronize: true,
    }),
    ConsistentMessagingModule.forRootAsync(messaging),
  ],
  providers: [OrderService, OrderPlacedHandler],
})
class AppModule {}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const orderId = `order-${Date.now()}`;
    const messageId = await app.get(OrderService).place(orderId, 42);
    const handler = app.get(OrderPlacedHandler);
    await waitUntil(
      'the OrderPlaced handler',
      () => handler.handled !== undefined,
      HANDLER_TIMEOUT_MS,
    );
    const handled = handler.handled!;
    await new MessagingTestKit(app).drain({ timeoutMs: HANDLER_TIMEOUT_MS });
    console.log(
      JSON.stringify({
        ok: true,
        orderId,
        messageId,
        messageType: messageTypeOf(OrderPlaced),
        handled: {
          orderId: handled.orderId,
          messageId: handled.messageId,
          messageType: handled.messageType,
          correlationId: handled.headers.correlationId,
          causationId: handled.headers.causationId,
          originEndpoint: handled.headers.originEndpoint,
          ordersInTransaction: handled.ordersInTransaction,
        },
        drained: true,
        elapsedMs: Date.now() - started,
      }),
    );
  } finally {
    await app.close();
  }
}

main().then(
  () => {
    // Every connection must be closed by app.close(): the process ends on its own. If it does not,
    // something keeps it alive; fail instead of hanging.
    setTimeout(() => {
      console.error(`Still running ${EXIT_GRACE_MS} ms after app.close(): open handles remain`);
      process.exit(3);
    }, EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
