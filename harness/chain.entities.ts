import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

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

export const chainEntities = [AChange, BStep, CStep];
