import { randomBytes } from 'node:crypto';
import { type Db, isUniqueViolation, type User, type Workspace } from '@cp/db';
import { UsageError } from './errors';
import type {
  AddMemberInput,
  CreateDaemonTokenInput,
  CreateTokenInput,
  CreateWorkspaceInput,
  GrantOperatorInput,
} from './inputs';
import { slugCandidate, slugify } from './slug';

/** What `create-workspace` prints. `token` is the owner's personal token, shown once. */
export interface CreateWorkspaceResult {
  workspace_id: string;
  user_id: string;
  token: string;
}

/** What `add-member` prints. `token` is the member's personal token, shown once. */
export interface AddMemberResult {
  user_id: string;
  token: string;
}

/** What `create-token` and `create-daemon-token` print. */
export interface TokenResult {
  token: string;
}

/** What `grant-operator` prints. */
export interface GrantOperatorResult {
  user_id: string;
}

/** What `seed-demo` prints when it seeded an empty database. */
export interface DemoSeedResult {
  workspace_id: string;
  user_id: string;
  token: string;
  daemon_token: string;
}

export const DEMO_WORKSPACE_NAME = 'Demo';
export const DEMO_OWNER_EMAIL = 'demo@example.test';

/** Sequential slug candidates tried before falling back to a random suffix. */
const SLUG_ATTEMPTS = 20;
const WORKSPACE_SLUG_CONSTRAINT = 'workspace_slug_key';

/**
 * Creates a workspace (slug derived from its name, suffixed when taken), finds or creates the
 * owner by email, makes them `owner` and issues them a personal token. All or nothing.
 */
export function createWorkspace(
  db: Db,
  input: CreateWorkspaceInput,
): Promise<CreateWorkspaceResult> {
  return db.transaction((tx) => createWorkspaceIn(tx, input));
}

/**
 * Adds a user (created when the email is unknown) to a workspace with a role, or changes the
 * role of an existing membership, and issues them a personal token. All or nothing.
 */
export function addMember(db: Db, input: AddMemberInput): Promise<AddMemberResult> {
  return db.transaction(async (tx) => {
    await requireWorkspace(tx, input.workspaceId);
    const user = await findOrCreateUser(tx, input.email);
    await tx.members.upsert(input.workspaceId, user.id, input.role);
    const { token } = await tx.tokens.issue({ kind: 'pat', userId: user.id });
    return { user_id: user.id, token };
  });
}

/** Issues a personal token to an existing user. */
export function createToken(db: Db, input: CreateTokenInput): Promise<TokenResult> {
  return db.transaction(async (tx) => {
    await requireUser(tx, input.userId);
    const { token } = await tx.tokens.issue({ kind: 'pat', userId: input.userId });
    return { token };
  });
}

/**
 * Issues a daemon token bound to a workspace, optionally for a user, who must then be a member
 * of that workspace.
 */
export function createDaemonToken(db: Db, input: CreateDaemonTokenInput): Promise<TokenResult> {
  return db.transaction(async (tx) => {
    await requireWorkspace(tx, input.workspaceId);
    const userId = input.userId ?? null;
    if (userId !== null) {
      await requireUser(tx, userId);
      if ((await tx.members.findRole(input.workspaceId, userId)) === undefined) {
        throw new UsageError(`user ${userId} is not a member of workspace ${input.workspaceId}`);
      }
    }
    const { token } = await tx.tokens.issue({
      kind: 'daemon',
      workspaceId: input.workspaceId,
      userId,
      createdBy: userId,
    });
    return { token };
  });
}

/** Makes an existing user an operator (`user.is_operator`); a rerun changes nothing. */
export async function grantOperator(
  db: Db,
  input: GrantOperatorInput,
): Promise<GrantOperatorResult> {
  if (!(await db.users.grantOperator(input.userId))) {
    throw new UsageError(`user ${input.userId} not found`);
  }
  return { user_id: input.userId };
}

/**
 * Seeds an empty database for `npm start`: workspace "Demo" owned by `demo@example.test` (an
 * operator, so the demo's dashboard and metrics open with its token), a personal token for the
 * owner and a daemon token for the workspace (issued for the owner).
 * Returns null, writing nothing, when any workspace exists, so a rerun is harmless.
 */
export function seedDemo(db: Db): Promise<DemoSeedResult | null> {
  return db.transaction(async (tx) => {
    if (await tx.workspaces.hasAny()) {
      return null;
    }
    const created = await createWorkspaceIn(tx, {
      name: DEMO_WORKSPACE_NAME,
      ownerEmail: DEMO_OWNER_EMAIL,
    });
    // The demo's owner also runs it: the queue dashboard and /metrics open with its token.
    await tx.users.grantOperator(created.user_id);
    const daemon = await tx.tokens.issue({
      kind: 'daemon',
      workspaceId: created.workspace_id,
      userId: created.user_id,
      createdBy: created.user_id,
    });
    return { ...created, daemon_token: daemon.token };
  });
}

async function createWorkspaceIn(
  tx: Db,
  input: CreateWorkspaceInput,
): Promise<CreateWorkspaceResult> {
  const owner = await findOrCreateUser(tx, input.ownerEmail);
  const workspace = await insertWithFreeSlug(tx, input.name);
  await tx.members.upsert(workspace.id, owner.id, 'owner');
  const { token } = await tx.tokens.issue({ kind: 'pat', userId: owner.id });
  return { workspace_id: workspace.id, user_id: owner.id, token };
}

/**
 * Inserts the workspace under the first free slug candidate. The unique constraint decides
 * rather than a prior lookup, which also covers a concurrent insert of the same slug.
 */
async function insertWithFreeSlug(tx: Db, name: string): Promise<Workspace> {
  const base = slugify(name);
  for (let attempt = 1; attempt <= SLUG_ATTEMPTS; attempt++) {
    const workspace = await insertUnlessSlugTaken(tx, name, slugCandidate(base, attempt));
    if (workspace) {
      return workspace;
    }
  }
  // That many taken in a row: a random suffix is all but certain to be free.
  return tx.workspaces.create({ name, slug: `${base}-${randomBytes(4).toString('hex')}` });
}

/**
 * Runs the insert in a savepoint (a nested transaction), so a taken slug rolls back only that
 * insert and the surrounding transaction goes on. Returns null when the slug is taken.
 */
async function insertUnlessSlugTaken(
  tx: Db,
  name: string,
  slug: string,
): Promise<Workspace | null> {
  try {
    return await tx.transaction((savepoint) => savepoint.workspaces.create({ name, slug }));
  } catch (err) {
    if (isUniqueViolation(err, WORKSPACE_SLUG_CONSTRAINT)) {
      return null;
    }
    throw err;
  }
}

/** The user with this (normalised) email, created with the email's local part as name if new. */
async function findOrCreateUser(tx: Db, email: string): Promise<User> {
  const existing = await tx.users.findByEmail(email);
  if (existing) {
    return existing;
  }
  const localPart = email.slice(0, email.indexOf('@'));
  return tx.users.create({ name: localPart || email, email });
}

async function requireWorkspace(tx: Db, workspaceId: string): Promise<Workspace> {
  const workspace = await tx.workspaces.findById(workspaceId);
  if (!workspace) {
    throw new UsageError(`workspace ${workspaceId} not found`);
  }
  return workspace;
}

async function requireUser(tx: Db, userId: string): Promise<User> {
  const user = await tx.users.findById(userId);
  if (!user) {
    throw new UsageError(`user ${userId} not found`);
  }
  return user;
}
