import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { endpoints } from '../config';
import { endpointImports } from '../shared/endpoint.imports';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { PaymentSucceededHandler } from './payment-succeeded.handler';
import { ShipmentDispatchedHandler } from './shipment-dispatched.handler';

/** The orders endpoint: input layer (POST /orders) and core (order status). */
@Module({
  imports: [
    ...endpointImports({ service: 'orders', endpoint: endpoints.orders, entities: [Order] }),
    TypeOrmModule.forFeature([Order], endpoints.orders),
  ],
  controllers: [OrdersController],
  providers: [PaymentSucceededHandler, ShipmentDispatchedHandler],
})
export class OrdersModule {}
