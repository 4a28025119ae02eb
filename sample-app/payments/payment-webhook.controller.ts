import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MessagePublisher, Outbox, UnitOfWorkHost } from '../../lib';
import { endpoints } from '../config';
import { PaymentSucceeded } from '../messages/payment-succeeded.event';
import { Payment } from './payment.entity';

/**
 * Input layer: the provider's webhook. The gateway (output layer) may not publish, so the result of
 * the charge comes back in here, at the sync-async boundary. The payment id is the key: the
 * provider's repeated notifications get 409 and change nothing.
 */
@Controller('payments')
export class PaymentWebhookController {
  constructor(
    private readonly unitOfWork: UnitOfWorkHost,
    private readonly publisher: MessagePublisher,
    @InjectRepository(Payment, endpoints.payments) private readonly payments: Repository<Payment>,
  ) {}

  @Post(':id/authorized')
  @HttpCode(200)
  @Outbox({ key: (paymentId: string) => paymentId })
  async authorized(
    @Param('id') paymentId: string,
    @Body() body: { authorizationId: string },
  ): Promise<{ paymentId: string; status: 'authorized' }> {
    const payment = await this.unitOfWork.manager.findOneBy(Payment, { id: paymentId });
    // 404 rolls back the key too, so the provider's next attempt is not taken for a repeat.
    if (!payment) throw new NotFoundException(`No payment ${paymentId}`);
    await this.unitOfWork.manager.update(
      Payment,
      { id: paymentId },
      { status: 'authorized', authorizationId: body.authorizationId },
    );
    this.publisher.publish(new PaymentSucceeded(payment.orderId, payment.id, payment.amountCents));
    return { paymentId, status: 'authorized' };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<Payment> {
    const payment = await this.payments.findOneBy({ id });
    if (!payment) throw new NotFoundException(`No payment ${id}`);
    return payment;
  }
}
