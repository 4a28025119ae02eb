import { Injectable } from '@nestjs/common';

/** What the health check asks of the producer's Redis client. */
interface InMemoryClient {
  status: 'ready';
  ping(): Promise<'PONG'>;
}

/** The producer connection of the in-memory transport: nothing to connect. */
@Injectable()
export class InMemoryConnection {
  readonly client: InMemoryClient = { status: 'ready', ping: async () => 'PONG' };

  together<T>(send: () => Promise<T>): Promise<T> {
    return send();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}
}
