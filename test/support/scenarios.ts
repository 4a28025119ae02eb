import type { INestApplication, Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { MessageEnvelope } from '../../lib';
import { openQueue } from './jobs';
import { cleanUp, startEndpoint, type TestEndpointOptions } from './test-endpoint';

/**
 * An endpoint under test with its own queue (to deliver jobs to) and the queue of the endpoint its
 * handler sends to (the sink, which nothing consumes, so the tests can read what was sent).
 */
export interface EndpointWithSink<T = MessageEnvelope> {
  app: INestApplication;
  dataSource: DataSource;
  queue: Queue<T>;
  sink: Queue<MessageEnvelope>;
}

/** Starts the endpoint and opens its queue and the sink's. Close them with closeAndCleanUp(). */
export async function startEndpointWithSink<T = MessageEnvelope>(
  options: TestEndpointOptions,
  sinkEndpoint: string,
  redis?: { host: string; port: number },
): Promise<EndpointWithSink<T>> {
  const app = await startEndpoint(options);
  return {
    app,
    dataSource: app.get(DataSource),
    queue: openQueue<T>(options.prefix, options.endpoint, redis),
    sink: openQueue(options.prefix, sinkEndpoint, redis),
  };
}

/**
 * Closes the queues, then the apps, then drops the prefix's tables and Redis keys. Anything that
 * never started (a failed beforeAll) is skipped.
 */
export async function closeAndCleanUp(
  prefix: string,
  queues: (Pick<Queue, 'close'> | undefined)[],
  apps: (Pick<INestApplication, 'close'> | undefined)[],
): Promise<void> {
  await Promise.all(queues.map((queue) => queue?.close()));
  await Promise.all(apps.map((app) => app?.close()));
  await cleanUp(prefix);
}

export interface WebWithDownstreamOptions {
  prefix: string;
  entities: TestEndpointOptions['entities'];
  /** The "web" endpoint: controllers served over HTTP and the services behind them. */
  web: Pick<TestEndpointOptions, 'controllers' | 'providers'>;
  /** The "downstream" endpoint's handlers of what the web endpoint sends. */
  downstream: Provider[];
}

export interface WebWithDownstream {
  web: INestApplication;
  downstream: INestApplication;
  /** Where the web endpoint listens, on 127.0.0.1 and a free port. */
  baseUrl: string;
}

/**
 * Starts a "downstream" endpoint and a "web" endpoint listening over HTTP, sharing the prefix and
 * entities: a sync-async boundary. Close them with closeAndCleanUp().
 */
export async function startWebWithDownstream(
  options: WebWithDownstreamOptions,
): Promise<WebWithDownstream> {
  const { prefix, entities } = options;
  const downstream = await startEndpoint({
    endpoint: 'downstream',
    prefix,
    entities,
    providers: options.downstream,
  });
  const web = await startEndpoint({ endpoint: 'web', prefix, entities, ...options.web });
  await web.listen(0, '127.0.0.1');
  return { web, downstream, baseUrl: await web.getUrl() };
}
