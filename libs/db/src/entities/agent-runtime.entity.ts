import type { RuntimeMode, RuntimeStatus, RuntimeVisibility } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One registered execution endpoint (spec §1.2): a daemon × a provider (built-in, `profile_id`
 * NULL) or a daemon × a profile (custom). `profile_id` has no foreign key on purpose.
 */
@Entity('agent_runtime')
export class AgentRuntime {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text', nullable: true })
  daemonId!: string | null;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  runtimeMode!: RuntimeMode;

  @Column({ type: 'text' })
  provider!: string;

  @Column({ type: 'text', default: 'offline' })
  status!: RuntimeStatus;

  @Column({ type: 'text', default: '' })
  deviceInfo!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata!: Record<string, unknown>;

  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  ownerId!: string | null;

  @Column({ type: 'text', nullable: true })
  legacyDaemonId!: string | null;

  @Column({ type: 'text', default: 'private' })
  visibility!: RuntimeVisibility;

  @Column({ type: 'uuid', nullable: true })
  profileId!: string | null;
}
