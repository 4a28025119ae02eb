import { Module } from '@nestjs/common';
import { endpoints } from '../config';
import { endpointImports } from '../shared/endpoint.imports';
import { PaymentSucceededHandler } from './payment-succeeded.handler';
import { Shipment } from './shipment.entity';

/** The shipping endpoint: core only (shipments). */
@Module({
  imports: endpointImports({
    service: 'shipping',
    endpoint: endpoints.shipping,
    entities: [Shipment],
  }),
  providers: [PaymentSucceededHandler],
})
export class ShippingModule {}
