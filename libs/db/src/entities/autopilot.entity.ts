import type { AutopilotAssigneeType, AutopilotStatus } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An autopilot (spec §1.5). `assignee_id` has no foreign key (dropped upstream in 096). */
@Entity('autopilot')
export class Autopilot {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'uuid' })
  assigneeId!: string;

  @Column({ type: 'text', default: 'agent' })
  assigneeType!: AutopilotAssigneeType;

  @Column({ type: 'text', default: 'active' })
  status!: AutopilotStatus;

  @Column({ type: 'text', default: 'create_issue' })
  executionMode!: string;

  @Column({ type: 'text', nullable: true })
  issueTitleTemplate!: string | null;

  @Column({ type: 'text' })
  createdByType!: string;

  @Column({ type: 'uuid' })
  createdById!: string;

  @Column({ type: 'timestamptz', nullable: true })
  lastRunAt!: Date | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
