import type { FakePaymentProvider } from './fake-payment-provider.server';
import type { OrderLine } from './order.report';
import type { Snapshot } from './sample.inspector';

export interface RunSummary {
  lines: OrderLine[];
  snapshot: Snapshot;
  provider: FakePaymentProvider;
  /** Lines the shipping process logged for invoices it found already stored. */
  absorbedRenders: number;
}

/** Prints the totals and returns whether the run is a success. */
export function printSummary({ lines, snapshot, provider, absorbedRenders }: RunSummary): boolean {
  const references = [...provider.references.values()];
  const total = (pick: (line: OrderLine) => number) => lines.reduce((n, l) => n + pick(l), 0);
  const calls = references.reduce((n, reference) => n + reference.calls, 0);
  const refused = references.reduce((n, reference) => n + reference.webhooksRefused, 0);
  const repeats = total((line) => line.submits - 1);
  console.log(
    [
      `repeated submits: ${repeats}, ${total((line) => line.conflicts)} answered 409 with the first OrderPlaced id`,
      `provider: ${references.length} charges from ${calls} calls (${calls - references.length} repeated calls absorbed); ` +
        `webhooks: ${total((line) => line.webhooks)} accepted, ${refused} repeats answered 409`,
      `invoices: ${snapshot.invoiceFiles.length} files for ${snapshot.shipments.length} shipments ` +
        `(${absorbedRenders} repeated renders found the file already stored)`,
      `dead letters: ${snapshot.deadLetters}, undispatched outbox rows: ${snapshot.undispatched}, jobs in flight: ${snapshot.inFlight}`,
    ].join('\n'),
  );
  return (
    lines.every((line) => line.ok) &&
    snapshot.orders.length === lines.length &&
    snapshot.payments.length === lines.length &&
    references.length === lines.length &&
    snapshot.invoiceFiles.length === snapshot.shipments.length &&
    snapshot.deadLetters + snapshot.undispatched + snapshot.inFlight === 0
  );
}
