import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsistentMessagingModule } from '../../lib';
import { database, QUEUE_PREFIX, redis, tablePrefix } from '../config';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { PaymentSucceededHandler } from './payment-succeeded.handler';

@Module({
  imports: [
    TypeOrmModule.forRoot({
      name: 'orders',
      ...database,
      entities: [Order],
      entityPrefix: tablePrefix('orders'),
      synchronize: true,
    }),
    TypeOrmModule.forFeature([Order], 'orders'),
    ConsistentMessagingModule.forRoot({
      endpoint: 'orders',
      dataSource: 'orders',
      redis,
      queuePrefix: QUEUE_PREFIX,
      tablePrefix: tablePrefix('orders'),
      createTables: true,
    }),
  ],
  controllers: [OrdersController],
  providers: [PaymentSucceededHandler],
})
export class OrdersModule {}
