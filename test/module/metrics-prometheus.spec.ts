import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { MessagingMetrics, type MessageEnvelope } from '../../lib';
import { G10InventoryHandler, G10Reservation, G10_SINK, Reserve } from '../fixtures/g10-inventory';
import { deliver, envelopeOf } from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

/** The README's prom-client block, taken from the README and run as written (imports aside). */
function readmeMetricsExample(): string {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Metrics\n'), readme.indexOf('## Schema\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no ts block under "## Metrics"');
  return block
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .join('\n');
}

describe('metrics exported with prom-client, as the README shows', () => {
  const prefix = uniquePrefix('prom');
  let app: INestApplication;
  let queue: Queue<unknown>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, queue, sink } = await startEndpointWithSink<unknown>(
      {
        endpoint: 'prom-inventory',
        prefix,
        entities: [G10Reservation],
        providers: [G10InventoryHandler],
      },
      G10_SINK,
    ));
  });

  afterAll(async () => {
    register.clear();
    await closeAndCleanUp(prefix, [queue, sink], [app]);
  });

  it('counts messages and fills the handling and dispatch-lag histograms by endpoint and type', async () => {
    const run = new Function(
      'app',
      'MessagingMetrics',
      'Counter',
      'Gauge',
      'Histogram',
      readmeMetricsExample(),
    ) as (...args: unknown[]) => void;
    run(app, MessagingMetrics, Counter, Gauge, Histogram);

    for (let i = 0; i < 3; i++) await deliver(queue, envelopeOf(new Reserve(`sku-prom-${i}`)));
    await waitFor(
      'three handled',
      async () => (await app.get(MessagingMetrics).snapshot()).handled === 3,
    );
    await waitFor(
      'three dispatched',
      async () => (await app.get(MessagingMetrics).snapshot()).dispatched === 3,
    );

    const text = await register.metrics();
    expect(text).toMatch(
      /messaging_messages_total\{endpoint="prom-inventory",counter="handled"\} 3/,
    );
    expect(text).toMatch(
      /messaging_handling_seconds_count\{endpoint="prom-inventory",message_type="g10\.Reserve"\} 3/,
    );
    expect(text).toMatch(
      /messaging_dispatch_lag_seconds_count\{endpoint="prom-inventory",message_type="g10\.Reserved"\} 3/,
    );
    expect(text).toMatch(
      /messaging_handling_seconds_bucket\{le="\+Inf",endpoint="prom-inventory",message_type="g10\.Reserve"\} 3/,
    );
    expect(text).toMatch(/messaging_outbox_lag_ms \d+/);
  });
});
