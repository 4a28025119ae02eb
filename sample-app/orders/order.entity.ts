import { Column, Entity, PrimaryColumn } from 'typeorm';

export type OrderStatus = 'placed' | 'paid' | 'shipped';

@Entity('orders')
export class Order {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  // Not unique on purpose: the boundary's key is what keeps a cart to one order, and the main job
  // would see it if it didn't.
  @Column({ type: 'varchar', length: 64 })
  cartId!: string;

  @Column({ type: 'int' })
  amountCents!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: OrderStatus;

  @Column({ type: 'varchar', length: 64, nullable: true })
  paymentId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  shipmentId!: string | null;
}
