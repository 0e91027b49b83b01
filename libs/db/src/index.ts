export * from './data-source';
export * from './db';
export * from './entities';
export * from './migrate';
export { MIGRATIONS } from './migrations';
export * from './pg-errors';
export type {
  RowLockOptions,
  NewAgent,
  NewAutopilot,
  NewSquad,
  NewSquadMember,
  NewTask,
} from './repositories/agent.repository';
export type { IssuedToken, NewApiToken } from './repositories/api-token.repository';
export type { CascadeBlocker, CascadeCounts } from './repositories/cascade.repository';
export type {
  NewRuntimeProfile,
  RuntimeProfilePatch,
} from './repositories/runtime-profile.repository';
export type {
  LegacyMerge,
  LockedProfile,
  RuntimeUpsert,
  WorkspaceContext,
} from './repositories/registration.repository';
export type { OutboxEntry } from './repositories/outbox.repository';
export type { NewRuntime } from './repositories/runtime.repository';
export type { NewUser } from './repositories/user.repository';
export type { NewWorkspace } from './repositories/workspace.repository';
export * from './sql';
export * from './tokens';
