import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'crypto';
import type { Repository } from 'typeorm';
import { MessagePublisher, Outbox, UnitOfWorkHost } from '../../lib';
import { endpoints } from '../config';
import { OrderPlaced } from '../messages/order-placed.event';
import { Order } from './order.entity';

interface PlaceOrderBody {
  cartId: string;
  amountCents: number;
}

/**
 * Input layer: a checkout becomes an order plus OrderPlaced, atomically. The cart id is the
 * business key, so submitting a cart again (double click, client retry) answers 409 with the id of
 * the first OrderPlaced and changes nothing.
 */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly unitOfWork: UnitOfWorkHost,
    private readonly publisher: MessagePublisher,
    @InjectRepository(Order, endpoints.orders) private readonly orders: Repository<Order>,
  ) {}

  @Post()
  @HttpCode(201)
  @Outbox({ key: (body: PlaceOrderBody) => body.cartId })
  async place(@Body() body: PlaceOrderBody): Promise<{ orderId: string; messageId: string }> {
    const order: Order = {
      id: randomUUID(),
      cartId: body.cartId,
      amountCents: body.amountCents,
      status: 'placed',
      paymentId: null,
      shipmentId: null,
    };
    await this.unitOfWork.manager.insert(Order, order);
    const messageId = this.publisher.publish(
      new OrderPlaced(order.id, order.cartId, order.amountCents),
    );
    return { orderId: order.id, messageId };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<Order> {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`No order ${id}`);
    return order;
  }
}
