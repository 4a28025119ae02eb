import type { EndpointChild } from './endpoint.child';
import type { FakePaymentProvider } from './fake-payment-provider.server';
import type { SampleInspector, Snapshot } from './sample.inspector';

const pollMs = 200;

/**
 * Polls until every order is shipped and invoiced and nothing is on its way any more (outboxes
 * dispatched, queues empty, webhooks answered), twice in a row. Gives up after `timeoutMs`, or
 * once nothing has moved for 3 s while orders are still incomplete; the report then says what is
 * missing. Throws if an endpoint process dies.
 */
export async function waitUntilSettled(
  inspector: SampleInspector,
  provider: FakePaymentProvider,
  children: EndpointChild[],
  orderIds: string[],
  onPoll: (snapshot: Snapshot) => void = () => undefined,
  timeoutMs = 45_000,
): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  let settledPolls = 0;
  let stuckPolls = 0;
  for (;;) {
    const dead = children.find((child) => !child.isRunning());
    if (dead) throw new Error(`${dead.name} exited during the run; its output:\n${dead.output()}`);
    const snapshot = await inspector.snapshot();
    onPoll(snapshot);
    const idle =
      snapshot.undispatched === 0 && snapshot.inFlight === 0 && provider.pendingWebhooks === 0;
    const done = idle && isComplete(snapshot, orderIds);
    settledPolls = done ? settledPolls + 1 : 0;
    stuckPolls = idle && !done ? stuckPolls + 1 : 0;
    if (settledPolls >= 2 || stuckPolls * pollMs >= 3000 || Date.now() > deadline) return snapshot;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function isComplete(snapshot: Snapshot, orderIds: string[]): boolean {
  const shipped = new Set(
    snapshot.orders
      .filter((order) => order.status === 'shipped' && order.paymentId !== null)
      .map((order) => order.id),
  );
  const files = new Set(snapshot.invoiceFiles);
  return (
    orderIds.every((id) => shipped.has(id)) &&
    snapshot.shipments.length >= orderIds.length &&
    snapshot.shipments.every((shipment) => files.has(shipment.invoiceId))
  );
}
