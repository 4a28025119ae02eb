import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row per state change of each step. No unique key on `key` on purpose: a change applied twice
 * shows up as two rows, which is what the invariants count.
 */
abstract class StepRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  messageId!: string | null;

  @Column({ type: 'int' })
  pid!: number;

  /**
   * For B and C: whether the previous step's row was visible when the handler ran. A follow-up
   * consumed before the change that caused it committed leaves false here (causal order, G6).
   */
  @Column({ type: 'boolean', nullable: true })
  causeVisible!: boolean | null;
}

@Entity('a_change')
export class AChange extends StepRow {}

@Entity('b_step')
export class BStep extends StepRow {}

@Entity('c_step')
export class CStep extends StepRow {}

/**
 * A's ordering groups: a unit of work that advances one locks its row until it commits, so the
 * versions of a group are in commit order.
 */
@Entity('order_group')
export class OrderGroup {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  name!: string;

  @Column({ type: 'int' })
  version!: number;
}

/** One handling of a keyed message by B or C: rows in id order are the order handled. */
abstract class OrderedRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column({ type: 'varchar', length: 16 })
  orderGroup!: string;

  @Column({ type: 'int' })
  version!: number;
}

@Entity('b_ordered')
export class BOrdered extends OrderedRow {}

@Entity('c_ordered')
export class COrdered extends OrderedRow {}

export const chainEntities = [AChange, BStep, CStep, OrderGroup, BOrdered, COrdered];
