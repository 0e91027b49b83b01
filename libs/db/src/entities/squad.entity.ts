import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A squad (spec §1.4). `leader_id` is FK RESTRICT to `agent`; `archived_at` NULL means active. */
@Entity('squad')
export class Squad {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'uuid' })
  leaderId!: string;

  @Column({ type: 'uuid' })
  creatorId!: string;

  @Column({ type: 'text', default: '' })
  instructions!: string;

  @Column({ type: 'text', nullable: true })
  avatarUrl!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  archivedBy!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
