import { Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { ConsistentHandler, MessageContext } from '../../lib';
import { endpoints } from '../config';
import { PaymentSucceeded } from '../messages/payment-succeeded.event';
import { RenderInvoice } from '../messages/render-invoice.command';
import { ShipmentDispatched } from '../messages/shipment-dispatched.event';
import { Shipment } from './shipment.entity';

/** Core layer: a paid order's parcel goes to the courier once, and its invoice is requested. */
@Injectable()
export class PaymentSucceededHandler {
  @ConsistentHandler(PaymentSucceeded)
  async dispatch(event: PaymentSucceeded, context: MessageContext): Promise<void> {
    const shipment: Shipment = {
      id: randomUUID(),
      orderId: event.orderId,
      invoiceId: randomUUID(),
      status: 'dispatched',
    };
    await context.manager.insert(Shipment, shipment);
    context.publish(new ShipmentDispatched(event.orderId, shipment.id));
    // The command's id is the invoice id, so the documents endpoint's idempotency key names the file.
    context.send(
      endpoints.shippingDocuments,
      new RenderInvoice(shipment.invoiceId, event.orderId, shipment.id, event.amountCents),
      { messageId: shipment.invoiceId },
    );
  }
}
