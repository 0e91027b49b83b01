import { randomBytes } from 'node:crypto';
import type {
  Agent,
  AgentRuntime,
  AgentTask,
  Autopilot,
  Db,
  IssuedToken,
  NewAgent,
  NewAutopilot,
  NewRuntime,
  NewRuntimeProfile,
  NewSquad,
  NewTask,
  NewUser,
  NewWorkspace,
  RuntimeProfile,
  Squad,
  SquadMember,
  User,
  Workspace,
} from '@cp/db';
import type { MemberRole } from '@cp/contracts';

/** A short random suffix that keeps names unique across tests sharing one database. */
export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

// Pure builders: valid input objects with unique names, overridable field by field.

export const buildWorkspace = (over: Partial<NewWorkspace> = {}): NewWorkspace => {
  const suffix = uniqueSuffix();
  return { name: `Workspace ${suffix}`, slug: `ws-${suffix}`, ...over };
};

export const buildUser = (over: Partial<NewUser> = {}): NewUser => {
  const suffix = uniqueSuffix();
  return { name: `User ${suffix}`, email: `user-${suffix}@example.test`, ...over };
};

export const buildRuntimeProfile = (
  workspaceId: string,
  over: Partial<NewRuntimeProfile> = {},
): NewRuntimeProfile => ({
  workspaceId,
  displayName: `Company Codex ${uniqueSuffix()}`,
  protocolFamily: 'codex',
  commandName: 'company-codex',
  fixedArgs: [],
  createdBy: null,
  ...over,
});

export const buildRuntime = (workspaceId: string, over: Partial<NewRuntime> = {}): NewRuntime => ({
  workspaceId,
  daemonId: `daemon-${uniqueSuffix()}`,
  name: 'Codex',
  runtimeMode: 'local',
  provider: 'codex',
  status: 'online',
  ...over,
});

export const buildAgent = (
  workspaceId: string,
  runtimeId: string,
  over: Partial<NewAgent> = {},
): NewAgent => ({
  workspaceId,
  runtimeId,
  name: `agent-${uniqueSuffix()}`,
  ...over,
});

export const buildSquad = (
  workspaceId: string,
  leaderId: string,
  creatorId: string,
  over: Partial<NewSquad> = {},
): NewSquad => ({ workspaceId, leaderId, creatorId, name: `squad-${uniqueSuffix()}`, ...over });

export const buildAutopilot = (
  workspaceId: string,
  assigneeId: string,
  createdById: string,
  over: Partial<NewAutopilot> = {},
): NewAutopilot => ({
  workspaceId,
  assigneeId,
  createdById,
  title: `autopilot ${uniqueSuffix()}`,
  ...over,
});

// Inserters: through the repositories, so they exercise the same code as the services.

export const insertWorkspace = (db: Db, over: Partial<NewWorkspace> = {}): Promise<Workspace> =>
  db.workspaces.create(buildWorkspace(over));

export const insertUser = (db: Db, over: Partial<NewUser> = {}): Promise<User> =>
  db.users.create(buildUser(over));

/** A user who is a member of `workspaceId` with `role`, and a personal token for them. */
export async function insertMember(
  db: Db,
  workspaceId: string,
  role: MemberRole = 'member',
  over: Partial<NewUser> = {},
): Promise<{ user: User; token: string }> {
  const user = await insertUser(db, over);
  await db.members.upsert(workspaceId, user.id, role);
  const { token } = await db.tokens.issue({ kind: 'pat', userId: user.id });
  return { user, token };
}

/**
 * An operator (`user.is_operator`: the queue dashboard, `/metrics`) with a personal token; with
 * `isOperator: false`, a plain user who is a member of nothing.
 */
export async function insertOperator(
  db: Db,
  over: Partial<NewUser> = {},
): Promise<{ user: User; token: string; tokenId: string }> {
  const user = await insertUser(db, { isOperator: true, ...over });
  const { token, row } = await db.tokens.issue({ kind: 'pat', userId: user.id });
  return { user, token, tokenId: row.id };
}

/** A daemon token for `workspaceId`, optionally issued for a user. */
export const insertDaemonToken = (
  db: Db,
  workspaceId: string,
  userId?: string,
): Promise<IssuedToken> =>
  db.tokens.issue({
    kind: 'daemon',
    workspaceId,
    userId: userId ?? null,
    createdBy: userId ?? null,
  });

export const insertRuntimeProfile = (
  db: Db,
  workspaceId: string,
  over: Partial<NewRuntimeProfile> = {},
): Promise<RuntimeProfile> => db.profiles.create(buildRuntimeProfile(workspaceId, over));

export const insertRuntime = (
  db: Db,
  workspaceId: string,
  over: Partial<NewRuntime> = {},
): Promise<AgentRuntime> => db.runtimes.create(buildRuntime(workspaceId, over));

export const insertAgent = (
  db: Db,
  workspaceId: string,
  runtimeId: string,
  over: Partial<NewAgent> = {},
): Promise<Agent> => db.agents.create(buildAgent(workspaceId, runtimeId, over));

export const insertSquad = (
  db: Db,
  workspaceId: string,
  leaderId: string,
  creatorId: string,
  over: Partial<NewSquad> = {},
): Promise<Squad> => db.agents.createSquad(buildSquad(workspaceId, leaderId, creatorId, over));

export const insertSquadMember = (
  db: Db,
  squadId: string,
  memberId: string,
  memberType: SquadMember['memberType'] = 'agent',
): Promise<SquadMember> => db.agents.addSquadMember({ squadId, memberId, memberType });

export const insertAutopilot = (
  db: Db,
  workspaceId: string,
  assigneeId: string,
  createdById: string,
  over: Partial<NewAutopilot> = {},
): Promise<Autopilot> =>
  db.agents.createAutopilot(buildAutopilot(workspaceId, assigneeId, createdById, over));

export const insertTask = (db: Db, input: NewTask): Promise<AgentTask> =>
  db.agents.createTask(input);
