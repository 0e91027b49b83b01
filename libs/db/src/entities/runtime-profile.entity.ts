import type { ProfileVisibility, ProtocolFamily } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A workspace-level definition of a custom runtime (spec §1.1). `workspace_id` and `created_by`
 * have no foreign keys on purpose (upstream's house rule). `deletion_requested_at` (ours) is set
 * while a deletion is queued or running.
 */
@Entity('runtime_profile')
export class RuntimeProfile {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text' })
  displayName!: string;

  @Column({ type: 'text' })
  protocolFamily!: ProtocolFamily;

  @Column({ type: 'text' })
  commandName!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  fixedArgs!: unknown;

  @Column({ type: 'text', default: 'workspace' })
  visibility!: ProfileVisibility;

  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  deletionRequestedAt!: Date | null;
}
