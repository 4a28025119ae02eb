import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'crypto';
import type { Repository } from 'typeorm';
import { MessagePublisher, Outbox, UnitOfWorkHost } from '../../lib';
import { OrderPlaced } from '../messages';
import { Order } from './order.entity';

/** Input layer: an HTTP request becomes a state change plus a message, atomically. */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly unitOfWork: UnitOfWorkHost,
    private readonly publisher: MessagePublisher,
    @InjectRepository(Order, 'orders') private readonly orders: Repository<Order>,
  ) {}

  @Post()
  @HttpCode(201)
  @Outbox()
  async place(@Body() body: { cartId: string; amountCents: number }): Promise<{ orderId: string }> {
    const order = {
      id: randomUUID(),
      cartId: body.cartId,
      amountCents: body.amountCents,
      status: 'placed' as const,
    };
    await this.unitOfWork.manager.insert(Order, order);
    this.publisher.publish(new OrderPlaced(order.id, order.cartId, order.amountCents));
    return { orderId: order.id };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<Order> {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`No order ${id}`);
    return order;
  }
}
