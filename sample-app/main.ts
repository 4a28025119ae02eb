import 'reflect-metadata';
import type { INestApplication, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BillingModule } from './billing/billing.module';
import { database, QUEUE_PREFIX, redis } from './config';
import { OrdersModule } from './orders/orders.module';

/**
 * The sample's main job: starts the orders and billing endpoints, places orders over HTTP, waits
 * until every order is paid and prints what happened to each. Exits 0 only if every order was
 * charged exactly once and marked paid.
 *   --orders N       how many orders to place (default 20)
 *   --keep-running   keep the endpoints up afterwards (POST /orders, GET /orders/:id on port 3000)
 */
const args = process.argv.slice(2);
const orderCount = Number(args[args.indexOf('--orders') + 1] || 20);
const keepRunning = args.includes('--keep-running');
const logLevels: LogLevel[] = keepRunning ? ['log', 'warn', 'error'] : ['warn', 'error'];

interface OrderReport {
  orderId: string;
  cartId: string;
  status: string;
  payments: number;
  paymentEvents: number;
}

async function main(): Promise<void> {
  await resetSampleState();
  const billing = await NestFactory.createApplicationContext(BillingModule, { logger: logLevels });
  const orders = await NestFactory.create(OrdersModule, { logger: logLevels });
  await orders.listen(keepRunning ? Number(process.env.PORT ?? 3000) : 0, '127.0.0.1');
  const baseUrl = await orders.getUrl();
  console.log(`orders endpoint listening on ${baseUrl}; placing ${orderCount} orders`);

  const orderIds = await placeOrders(baseUrl);
  const reports = await waitForPayments(orders, billing, orderIds);
  printReports(reports);
  const ok = reports.every(
    (report) => report.status === 'paid' && report.payments === 1 && report.paymentEvents === 1,
  );
  console.log(
    ok ? `OK: all ${reports.length} orders paid exactly once` : 'FAILED: see the table above',
  );

  if (keepRunning && ok) {
    console.log(
      `Still running: try  curl -XPOST ${baseUrl}/orders -H 'content-type: application/json' -d '{"cartId":"c1","amountCents":100}'`,
    );
    const stop = async () => {
      await Promise.all([orders.close(), billing.close()]);
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  await Promise.all([orders.close(), billing.close()]);
  process.exitCode = ok ? 0 : 1;
}

async function placeOrders(baseUrl: string): Promise<string[]> {
  const placed = await Promise.all(
    Array.from({ length: orderCount }, async (_, index) => {
      const response = await fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cartId: `cart-${index + 1}`, amountCents: 1000 + index }),
      });
      if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}`);
      return ((await response.json()) as { orderId: string }).orderId;
    }),
  );
  return placed;
}

async function waitForPayments(
  orders: INestApplication,
  billing: INestApplicationContext,
  orderIds: string[],
): Promise<OrderReport[]> {
  const deadline = Date.now() + 60_000;
  let reports = await report(orders, billing, orderIds);
  while (reports.some((entry) => entry.status !== 'paid') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    reports = await report(orders, billing, orderIds);
  }
  // Give late duplicates, if any, a moment to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return report(orders, billing, orderIds);
}

async function report(
  orders: INestApplication,
  billing: INestApplicationContext,
  orderIds: string[],
): Promise<OrderReport[]> {
  const ordersDb = orders.get<DataSource>(getDataSourceToken('orders'));
  const billingDb = billing.get<DataSource>(getDataSourceToken('billing'));
  const orderRows: { id: string; cartId: string; status: string }[] = await ordersDb.query(
    'SELECT id, cartId, status FROM sample_orders_orders',
  );
  const paymentRows: { orderId: string; n: string }[] = await billingDb.query(
    'SELECT orderId, COUNT(*) AS n FROM sample_billing_payments GROUP BY orderId',
  );
  const eventRows: { orderId: string; n: string }[] = await billingDb.query(
    `SELECT JSON_UNQUOTE(JSON_EXTRACT(payload, '$.orderId')) AS orderId, COUNT(*) AS n
     FROM sample_billing_outbox WHERE message_type = 'sample.PaymentSucceeded' GROUP BY orderId`,
  );
  const payments = new Map(paymentRows.map((row) => [row.orderId, Number(row.n)]));
  const events = new Map(eventRows.map((row) => [row.orderId, Number(row.n)]));
  const byId = new Map(orderRows.map((row) => [row.id, row]));
  return orderIds.map((orderId) => ({
    orderId,
    cartId: byId.get(orderId)?.cartId ?? '?',
    status: byId.get(orderId)?.status ?? 'missing',
    payments: payments.get(orderId) ?? 0,
    paymentEvents: events.get(orderId) ?? 0,
  }));
}

function printReports(reports: OrderReport[]): void {
  console.table(
    reports.map((entry) => ({
      order: entry.orderId.slice(0, 8),
      cart: entry.cartId,
      status: entry.status,
      payments: entry.payments,
      'PaymentSucceeded sent': entry.paymentEvents,
    })),
  );
}

/** Drops the sample's tables and Redis keys, so each run starts clean and counts are exact. */
async function resetSampleState(): Promise<void> {
  const dataSource = await new DataSource(database).initialize();
  const tables: { name: string }[] = await dataSource.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'sample\\_%'`,
  );
  for (const { name } of tables) await dataSource.query(`DROP TABLE \`${name}\``);
  await dataSource.destroy();
  const client = new Redis(redis);
  const keys = await client.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
