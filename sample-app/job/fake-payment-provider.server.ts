import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';

/** What the provider knows about one transaction reference (a payment id). */
export interface ProviderReference {
  authorizationId: string;
  amountCents: number;
  /** Authorize calls with this reference; more than one means repeats it absorbed. */
  calls: number;
  /** Webhooks the merchant accepted (200) and refused as repeats (409). */
  webhooksAccepted: number;
  webhooksRefused: number;
}

/**
 * A payment provider stand-in: `POST /authorizations {reference, amountCents}` authorizes once per
 * reference and answers the same authorization to repeats. Like a real one, it notifies the
 * merchant's webhook after every call (at least once, so repeats are possible) and sometimes loses
 * its reply: every `lostReplyEvery`-th new authorization is made, then the connection is dropped.
 */
export class FakePaymentProvider {
  readonly references = new Map<string, ProviderReference>();
  /** Base URL of the merchant's webhook (`POST {base}/payments/:reference/authorized`). */
  webhookBaseUrl: string | undefined;
  private pending = 0;
  private newAuthorizations = 0;
  private readonly server: Server;

  constructor(private readonly lostReplyEvery: number) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Webhook deliveries not yet answered. */
  get pendingWebhooks(): number {
    return this.pending;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== '/authorizations') {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    for await (const chunk of request) body += String(chunk);
    let call: { reference: string; amountCents: number };
    try {
      call = JSON.parse(body) as typeof call;
    } catch {
      response.writeHead(400).end();
      return;
    }
    const { entry, repeat } = this.authorize(call.reference, call.amountCents);
    void this.notify(call.reference, entry);
    if (
      !repeat &&
      this.lostReplyEvery > 0 &&
      ++this.newAuthorizations % this.lostReplyEvery === 0
    ) {
      request.socket.destroy(); // authorized, but the caller never hears it
      return;
    }
    response.writeHead(201, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ authorizationId: entry.authorizationId, repeat }));
  }

  /** Once per reference; a repeat gets the first authorization and charges nothing. */
  private authorize(reference: string, amountCents: number) {
    const known = this.references.get(reference);
    const entry = known ?? {
      authorizationId: `auth-${this.references.size + 1}`,
      amountCents,
      calls: 0,
      webhooksAccepted: 0,
      webhooksRefused: 0,
    };
    this.references.set(reference, entry);
    entry.calls += 1;
    return { entry, repeat: known !== undefined };
  }

  /** Delivers the webhook until the merchant answers 200 (taken) or 409 (already had it). */
  private async notify(reference: string, entry: ProviderReference): Promise<void> {
    this.pending += 1;
    try {
      for (let attempt = 1; attempt <= 50; attempt++) {
        const status = await this.deliver(reference, entry).catch(() => 0);
        if (status === 200 || status === 409) {
          if (status === 200) entry.webhooksAccepted += 1;
          else entry.webhooksRefused += 1;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      this.pending -= 1;
    }
  }

  private async deliver(reference: string, entry: ProviderReference): Promise<number> {
    if (!this.webhookBaseUrl) return 0;
    const response = await fetch(`${this.webhookBaseUrl}/payments/${reference}/authorized`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorizationId: entry.authorizationId }),
      signal: AbortSignal.timeout(5000),
    });
    await response.arrayBuffer();
    return response.status;
  }
}
