import type { AgentStatus, AgentVisibility, RuntimeMode } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An agent (spec §1.3). `archived_at` NULL means active. `runtime_id` is FK RESTRICT. */
@Entity('agent')
export class Agent {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text' })
  runtimeMode!: RuntimeMode;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  runtimeConfig!: Record<string, unknown>;

  @Column({ type: 'uuid' })
  runtimeId!: string;

  @Column({ type: 'text', default: 'private' })
  visibility!: AgentVisibility;

  @Column({ type: 'text', default: 'offline' })
  status!: AgentStatus;

  @Column({ type: 'uuid', nullable: true })
  ownerId!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  customArgs!: unknown[];

  @Column({ type: 'jsonb', default: () => "'{}'" })
  customEnv!: Record<string, unknown>;

  @Column({ type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  archivedBy!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
