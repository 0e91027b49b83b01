import type { TaskStatus } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A queued agent task: the minimal columns that show the cascade. Both `agent_id` and
 * `runtime_id` are FK ON DELETE CASCADE.
 */
@Entity('agent_task_queue')
export class AgentTask {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  agentId!: string;

  @Column({ type: 'uuid' })
  runtimeId!: string;

  @Column({ type: 'uuid', nullable: true })
  issueId!: string | null;

  @Column({ type: 'text', default: 'queued' })
  status!: TaskStatus;

  @Column({ type: 'int', default: 0 })
  priority!: number;

  @Column({ type: 'timestamptz', nullable: true })
  dispatchedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
