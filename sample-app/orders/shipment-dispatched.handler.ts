import { Injectable } from '@nestjs/common';
import { ConsistentHandler, MessageContext } from '../../lib';
import { ShipmentDispatched } from '../messages/shipment-dispatched.event';
import { Order } from './order.entity';

/** Core layer: the order is shipped once the courier has the parcel. */
@Injectable()
export class ShipmentDispatchedHandler {
  @ConsistentHandler(ShipmentDispatched)
  async markShipped(event: ShipmentDispatched, context: MessageContext): Promise<void> {
    await context.manager.update(
      Order,
      { id: event.orderId },
      { status: 'shipped', shipmentId: event.shipmentId },
    );
  }
}
