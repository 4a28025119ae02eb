import { Message } from '../../lib';

/** orders → payments: an order was placed (published at the sync-async boundary). */
@Message('sample.OrderPlaced')
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly cartId: string,
    readonly amountCents: number,
  ) {}
}
