import type { MemberRole } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A user's membership of a workspace, with its role. */
@Entity('member')
export class Member {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'text' })
  role!: MemberRole;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
