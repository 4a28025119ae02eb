import { Message } from '../../lib';

/** payments → payments-gateway: charge the card; the payment id is the provider's reference. */
@Message('sample.AuthorizeCreditCard')
export class AuthorizeCreditCard {
  constructor(
    readonly paymentId: string,
    readonly amountCents: number,
  ) {}
}
