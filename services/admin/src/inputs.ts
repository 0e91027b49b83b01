import { MEMBER_ROLES } from '@cp/contracts';
import { z } from 'zod';

const Uuid = z.guid({ error: 'must be a UUID' });

/** Emails are compared as stored, so they are trimmed and lowercased first. */
const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'must be a valid email address' }));

const WorkspaceName = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' });

const Role = z.enum(MEMBER_ROLES, { error: `must be one of ${MEMBER_ROLES.join(', ')}` });

export const CreateWorkspaceInput = z.object({ name: WorkspaceName, ownerEmail: Email });
export type CreateWorkspaceInput = z.infer<typeof CreateWorkspaceInput>;

export const AddMemberInput = z.object({ workspaceId: Uuid, email: Email, role: Role });
export type AddMemberInput = z.infer<typeof AddMemberInput>;

export const CreateTokenInput = z.object({ userId: Uuid });
export type CreateTokenInput = z.infer<typeof CreateTokenInput>;

export const CreateDaemonTokenInput = z.object({ workspaceId: Uuid, userId: Uuid.optional() });
export type CreateDaemonTokenInput = z.infer<typeof CreateDaemonTokenInput>;

export const GrantOperatorInput = z.object({ userId: Uuid });
export type GrantOperatorInput = z.infer<typeof GrantOperatorInput>;
