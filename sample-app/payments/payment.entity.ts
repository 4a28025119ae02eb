import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('payments')
export class Payment {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  // Not unique on purpose: the inbox is what keeps an order to one payment; the main job checks it.
  @Column({ type: 'varchar', length: 64 })
  orderId!: string;

  @Column({ type: 'int' })
  amountCents!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: 'pending' | 'authorized';

  @Column({ type: 'varchar', length: 64, nullable: true })
  authorizationId!: string | null;
}
