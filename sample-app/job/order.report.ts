import { messageTypeOf } from '../../lib';
import { AuthorizeCreditCard } from '../messages/authorize-credit-card.command';
import { OrderPlaced } from '../messages/order-placed.event';
import { PaymentSucceeded } from '../messages/payment-succeeded.event';
import { RenderInvoice } from '../messages/render-invoice.command';
import { ShipmentDispatched } from '../messages/shipment-dispatched.event';
import type { ProviderReference } from './fake-payment-provider.server';
import type { CartSubmissions } from './order.submitter';
import type { Snapshot } from './sample.inspector';

/** What happened to one cart, step by step; every count should be 1. */
export interface OrderLine {
  orderId: string;
  cart: string;
  submits: number;
  /** Repeats answered 409 with the first submission's OrderPlaced id. */
  conflicts: number;
  orders: number;
  payments: number;
  /** Authorizations the provider made for this order's payments. */
  charges: number;
  /** Calls the provider got for them (more than charges: repeats it absorbed). */
  providerCalls: number;
  /** Webhooks payments accepted for them (repeats got 409). */
  webhooks: number;
  shipments: number;
  invoices: number;
  /** How many of the process's five messages were sent exactly once: `5 of 5`. */
  messages: string;
  status: string;
  ok: boolean;
}

const processMessages = [
  OrderPlaced,
  AuthorizeCreditCard,
  PaymentSucceeded,
  ShipmentDispatched,
  RenderInvoice,
].map(messageTypeOf);

export function orderLines(
  carts: CartSubmissions[],
  snapshot: Snapshot,
  provider: ReadonlyMap<string, ProviderReference>,
): OrderLine[] {
  const files = new Set(snapshot.invoiceFiles);
  return carts.map((cart) => {
    const first = cart.answers.filter((answer) => answer.status === 201);
    const repeats = cart.answers.filter((answer) => answer.status === 409);
    const orderId = first[0]?.orderId ?? '?';
    const order = snapshot.orders.find((row) => row.id === orderId);
    const payments = snapshot.payments.filter((row) => row.orderId === orderId);
    const references = payments.flatMap((payment) => provider.get(payment.id) ?? []);
    const shipments = snapshot.shipments.filter((row) => row.orderId === orderId);
    const sent = messageCounts(snapshot, orderId, new Set(payments.map((payment) => payment.id)));
    const line: OrderLine = {
      orderId,
      cart: cart.cartId,
      submits: cart.answers.length,
      conflicts: repeats.filter((answer) => answer.firstMessageId === first[0]?.messageId).length,
      orders: snapshot.orders.filter((row) => row.cartId === cart.cartId).length,
      payments: payments.length,
      charges: references.length,
      providerCalls: references.reduce((n, reference) => n + reference.calls, 0),
      webhooks: references.reduce((n, reference) => n + reference.webhooksAccepted, 0),
      shipments: shipments.length,
      invoices: shipments.filter((shipment) => files.has(shipment.invoiceId)).length,
      messages: `${sent.filter((count) => count === 1).length} of ${sent.length}`,
      status: order?.status ?? 'missing',
      ok: false,
    };
    const counts = [first.length, line.orders, line.payments, line.charges, line.webhooks];
    line.ok =
      [...counts, line.shipments, line.invoices, ...sent].every((count) => count === 1) &&
      line.conflicts === repeats.length &&
      payments[0].status === 'authorized' &&
      order?.paymentId === payments[0].id &&
      line.status === 'shipped';
    return line;
  });
}

/** How many of each of the process's messages the outboxes hold for this order. */
function messageCounts(snapshot: Snapshot, orderId: string, paymentIds: Set<string>): number[] {
  const about = snapshot.messages.filter((message) =>
    message.orderId !== null
      ? message.orderId === orderId
      : message.paymentId !== null && paymentIds.has(message.paymentId),
  );
  return processMessages.map((type) => about.filter((message) => message.type === type).length);
}

/** What each column of the table counts; every count should be 1 unless said otherwise. */
const LEGEND = [
  'order, cart: the order id (first 8 characters) and the cart checked out',
  'submits: POST /orders calls for the cart (some carts are submitted twice)',
  "409s: repeats answered 409 with the first submission's message id (should equal submits - 1)",
  'orders, payments, shipments, invoices: rows and files made for the order',
  'charges: authorizations the fake provider made',
  'provider calls: calls it got (more than charges: repeats it absorbed, as a real provider would)',
  'messages: how many of the five messages of the process were sent exactly once',
  'status, ok: the order at the end, and whether every count is right',
];

export function printOrderLines(lines: OrderLine[]): void {
  printTable(
    lines.map((line) => ({
      order: line.orderId.slice(0, 8),
      cart: line.cart,
      submits: line.submits,
      '409s': line.conflicts,
      orders: line.orders,
      payments: line.payments,
      charges: line.charges,
      'provider calls': line.providerCalls,
      shipments: line.shipments,
      invoices: line.invoices,
      messages: line.messages,
      status: line.status,
      ok: line.ok ? 'yes' : 'NO',
    })),
  );
  console.log('');
  for (const line of LEGEND) console.log(`  ${line}`);
  console.log('');
}

/** A plain table: console.table would add an index column and reorder numeric-looking keys. */
function printTable(rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => String(row[column]).length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  console.log(format(columns));
  console.log(format(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(format(columns.map((column) => String(row[column]))));
}
