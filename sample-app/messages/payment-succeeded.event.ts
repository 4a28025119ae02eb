import { Message } from '../../lib';

/** payments → orders, shipping: the provider authorized the payment. */
@Message('sample.PaymentSucceeded')
export class PaymentSucceeded {
  constructor(
    readonly orderId: string,
    readonly paymentId: string,
    readonly amountCents: number,
  ) {}
}
