import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { endpoints } from '../config';
import { endpointImports } from '../shared/endpoint.imports';
import { OrderPlacedHandler } from './order-placed.handler';
import { Payment } from './payment.entity';
import { PaymentWebhookController } from './payment-webhook.controller';

/** The payments endpoint: core (pending payment) and input layer (the provider's webhook). */
@Module({
  imports: [
    ...endpointImports({ service: 'payments', endpoint: endpoints.payments, entities: [Payment] }),
    TypeOrmModule.forFeature([Payment], endpoints.payments),
  ],
  controllers: [PaymentWebhookController],
  providers: [OrderPlacedHandler],
})
export class PaymentsModule {}
