import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant. Only `repos` and `settings` matter to this system beyond the id (spec §1.6). */
@Entity('workspace')
export class Workspace {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', unique: true })
  slug!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  context!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  repos!: unknown[];

  @Column({ type: 'text', default: '' })
  issuePrefix!: string;

  @Column({ type: 'int', default: 0 })
  issueCounter!: number;

  @Column({ type: 'text', nullable: true })
  avatarUrl!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
