import { Injectable, Logger } from '@nestjs/common';
import { IdempotentContext, IdempotentHandler } from '../../../lib';
import { AuthorizeCreditCard } from '../../messages/authorize-credit-card.command';
import { PaymentProviderClient } from './payment-provider.client';

/**
 * Output layer: charges the card. It may run more than once (a lost reply means a retry), so the
 * idempotency key (= payment id) goes to the provider as transaction reference and the provider
 * drops repeats. It can't publish the result: the provider's webhook brings it back to payments.
 */
@Injectable()
export class AuthorizeCreditCardHandler {
  private readonly logger = new Logger('payments-gateway');

  constructor(private readonly provider: PaymentProviderClient) {}

  @IdempotentHandler(AuthorizeCreditCard)
  async authorize(command: AuthorizeCreditCard, context: IdempotentContext): Promise<void> {
    const result = await this.provider.authorize(context.idempotencyKey, command.amountCents);
    if (result.repeat) {
      this.logger.log(`Payment ${command.paymentId}: provider absorbed a repeated call`);
    }
  }
}
