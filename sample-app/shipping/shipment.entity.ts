import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('shipments')
export class Shipment {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  // One parcel per order, whatever happens upstream.
  @Column({ type: 'varchar', length: 64, unique: true })
  orderId!: string;

  @Column({ type: 'varchar', length: 64 })
  invoiceId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: 'dispatched';
}
