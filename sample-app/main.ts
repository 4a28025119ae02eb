import 'reflect-metadata';
import { lostReplyEvery } from './config';
import { spawnEndpointChild, type EndpointChild } from './job/endpoint.child';
import { FakePaymentProvider } from './job/fake-payment-provider.server';
import { orderLines, printOrderLines } from './job/order.report';
import { submitOrders } from './job/order.submitter';
import { parseRunOptions, type RunOptions } from './job/run.options';
import { printSummary } from './job/run.summary';
import { resetSampleState } from './job/sample-state.reset';
import { withProgress } from './job/progress';
import { SampleInspector, type Snapshot } from './job/sample.inspector';
import { waitUntilSettled } from './job/settle.waiter';

/**
 * The sample's main job (`npm run sample`): the order process of three services, each its own OS
 * process — orders, payments (+ payments-gateway), shipping (+ shipping-documents) — plus a fake
 * payment provider. Places orders over HTTP (some carts twice), waits until everything settled,
 * prints what happened to each order and exits 0 only if every step happened exactly once.
 *   --orders N       carts to check out (default 20)
 *   --keep-running   keep everything up afterwards and print the URLs
 *   --verbose        echo the endpoint processes' logs
 */
/** What the wait for the orders to settle has seen so far. */
function settleProgress(snapshot: Snapshot | undefined, orders: number): string {
  if (!snapshot) return `waiting for ${orders} orders to be paid, shipped and invoiced`;
  const shipped = snapshot.orders.filter((order) => order.status === 'shipped').length;
  return (
    `${shipped} of ${orders} orders shipped, ${snapshot.invoiceFiles.length} invoices stored; ` +
    `${snapshot.inFlight} messages in queues, ${snapshot.undispatched} outbox rows undispatched`
  );
}

async function main(options: RunOptions): Promise<boolean> {
  const started = Date.now();
  await resetSampleState();
  const provider = new FakePaymentProvider(lostReplyEvery());
  const env = {
    SAMPLE_PROVIDER_URL: await provider.start(),
    SAMPLE_LOST_REPLY_EVERY: String(lostReplyEvery()),
  };
  const inspector = new SampleInspector();
  const children: EndpointChild[] = [];
  try {
    console.log('starting orders, payments and shipping, each in its own process');
    const spawned = await withProgress(
      () => 'starting the three services (ts-node compiles each on its first start)',
      Promise.allSettled(
        ['orders', 'payments', 'shipping'].map((name) =>
          spawnEndpointChild(name, env, options.verbose),
        ),
      ),
    );
    for (const result of spawned) if (result.status === 'fulfilled') children.push(result.value);
    for (const result of spawned) if (result.status === 'rejected') throw result.reason;
    const [orders, payments, shipping] = children;
    provider.webhookBaseUrl = payments.info.url; // as set in a provider's dashboard
    await inspector.open();
    console.log(
      `orders on ${orders.info.url}, payments on ${payments.info.url}, provider on ${env.SAMPLE_PROVIDER_URL}; ` +
        `checking out ${options.orders} carts`,
    );

    const carts = await withProgress(
      () => 'submitting the carts',
      submitOrders(orders.info.url, options.orders),
    );
    const orderIds = carts.flatMap((cart) =>
      cart.answers.flatMap((answer) => answer.orderId ?? []),
    );
    let latest: Snapshot | undefined;
    const snapshot = await withProgress(
      () => settleProgress(latest, orderIds.length),
      waitUntilSettled(inspector, provider, children, orderIds, (polled) => (latest = polled)),
    );
    const lines = orderLines(carts, snapshot, provider.references);
    printOrderLines(lines);
    const ok = printSummary({
      lines,
      snapshot,
      provider,
      absorbedRenders: shipping.output().match(/already stored/g)?.length ?? 0,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      ok
        ? `OK: all ${lines.length} orders completed exactly once at every step (${seconds} s)`
        : "FAILED: see the table above (--verbose shows the endpoints' logs)",
    );

    if (options.keepRunning) await keepRunning(orders.info.url, payments.info.url);
    const exits = await Promise.all(children.map((child) => child.stop()));
    const unclean = children.filter((_, index) => exits[index].code !== 0);
    for (const child of unclean)
      console.error(`${child.name} did not stop cleanly:\n${child.output()}`);
    return ok && unclean.length === 0;
  } finally {
    await Promise.all(children.map((child) => child.kill()));
    await inspector.close();
    await provider.close();
  }
}

/** Waits for Ctrl-C, showing what to try meanwhile. */
async function keepRunning(ordersUrl: string, paymentsUrl: string): Promise<void> {
  console.log(
    [
      'Still running (Ctrl-C to stop). Try:',
      `  curl -XPOST ${ordersUrl}/orders -H 'content-type: application/json' -d '{"cartId":"c1","amountCents":100}'`,
      `  curl ${ordersUrl}/orders/<orderId>`,
      `  curl ${paymentsUrl}/payments/<paymentId>`,
      '  ls sample-app/.blobs',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

main(parseRunOptions(process.argv.slice(2))).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
