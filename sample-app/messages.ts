import { Message } from '../lib';

/** Published by orders when an order is placed (sync-async boundary). */
@Message('sample.OrderPlaced')
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly cartId: string,
    readonly amountCents: number,
  ) {}
}

/** Published by billing once the customer is charged. */
@Message('sample.PaymentSucceeded')
export class PaymentSucceeded {
  constructor(
    readonly orderId: string,
    readonly paymentId: string,
  ) {}
}
