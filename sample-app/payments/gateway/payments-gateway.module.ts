import { Module } from '@nestjs/common';
import { endpoints } from '../../config';
import { endpointImports } from '../../shared/endpoint.imports';
import { AuthorizeCreditCardHandler } from './authorize-credit-card.handler';
import { PaymentProviderClient } from './payment-provider.client';

/** The payments-gateway endpoint: output layer only, beside payments in the same process. */
@Module({
  imports: endpointImports({
    service: 'payments',
    endpoint: endpoints.paymentsGateway,
    output: true,
  }),
  providers: [AuthorizeCreditCardHandler, PaymentProviderClient],
})
export class PaymentsGatewayModule {}
