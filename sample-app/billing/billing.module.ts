import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsistentMessagingModule } from '../../lib';
import { database, QUEUE_PREFIX, redis, tablePrefix } from '../config';
import { OrderPlacedHandler } from './order-placed.handler';
import { Payment } from './payment.entity';

@Module({
  imports: [
    TypeOrmModule.forRoot({
      name: 'billing',
      ...database,
      entities: [Payment],
      entityPrefix: tablePrefix('billing'),
      synchronize: true,
    }),
    ConsistentMessagingModule.forRoot({
      endpoint: 'billing',
      dataSource: 'billing',
      redis,
      queuePrefix: QUEUE_PREFIX,
      tablePrefix: tablePrefix('billing'),
      createTables: true,
    }),
  ],
  providers: [OrderPlacedHandler],
})
export class BillingModule {}
