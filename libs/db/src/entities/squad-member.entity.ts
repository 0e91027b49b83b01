import type { SquadMemberType } from '@cp/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A squad's member: an agent or a workspace member. Cascades with its squad. */
@Entity('squad_member')
export class SquadMember {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  squadId!: string;

  @Column({ type: 'text' })
  memberType!: SquadMemberType;

  @Column({ type: 'uuid' })
  memberId!: string;

  @Column({ type: 'text', default: '' })
  role!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
