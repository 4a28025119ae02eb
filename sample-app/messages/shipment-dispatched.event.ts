import { Message } from '../../lib';

/** shipping → orders: the parcel was handed to the courier. */
@Message('sample.ShipmentDispatched')
export class ShipmentDispatched {
  constructor(
    readonly orderId: string,
    readonly shipmentId: string,
  ) {}
}
