import { Injectable } from '@nestjs/common';
import { providerUrl } from '../../config';

export interface Authorization {
  authorizationId: string;
  /** True when the provider had already authorized this reference: nothing was charged again. */
  repeat: boolean;
}

/** HTTP client of the (fake) payment provider. */
@Injectable()
export class PaymentProviderClient {
  async authorize(reference: string, amountCents: number): Promise<Authorization> {
    const response = await fetch(`${providerUrl()}/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference, amountCents }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`provider answered ${response.status}`);
    return (await response.json()) as Authorization;
  }
}
