import { Message } from '../../lib';

/** shipping → shipping-documents: store the invoice of a dispatched shipment. */
@Message('sample.RenderInvoice')
export class RenderInvoice {
  constructor(
    readonly invoiceId: string,
    readonly orderId: string,
    readonly shipmentId: string,
    readonly amountCents: number,
  ) {}
}
