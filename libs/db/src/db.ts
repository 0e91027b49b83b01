import type { DataSource, EntityManager } from 'typeorm';
import { AgentRepository } from './repositories/agent.repository';
import { ApiTokenRepository } from './repositories/api-token.repository';
import { CascadeRepository } from './repositories/cascade.repository';
import { MemberRepository } from './repositories/member.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { RegistrationRepository } from './repositories/registration.repository';
import { RuntimeProfileRepository } from './repositories/runtime-profile.repository';
import { RuntimeRepository } from './repositories/runtime.repository';
import { UserRepository } from './repositories/user.repository';
import { WorkspaceRepository } from './repositories/workspace.repository';

/**
 * The database as services see it: intent-named repositories, all bound to one EntityManager,
 * plus `transaction(fn)`, which hands `fn` the same facade bound to a transaction.
 */
export interface Db {
  readonly workspaces: WorkspaceRepository;
  readonly users: UserRepository;
  readonly members: MemberRepository;
  readonly tokens: ApiTokenRepository;
  readonly profiles: RuntimeProfileRepository;
  readonly runtimes: RuntimeRepository;
  readonly agents: AgentRepository;
  readonly registrations: RegistrationRepository;
  readonly cascades: CascadeRepository;
  readonly outbox: OutboxRepository;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Resolves when Postgres answers a trivial query (readiness). */
  ping(): Promise<void>;
}

function bind(manager: EntityManager): Db {
  return {
    workspaces: new WorkspaceRepository(manager),
    users: new UserRepository(manager),
    members: new MemberRepository(manager),
    tokens: new ApiTokenRepository(manager),
    profiles: new RuntimeProfileRepository(manager),
    runtimes: new RuntimeRepository(manager),
    agents: new AgentRepository(manager),
    registrations: new RegistrationRepository(manager),
    cascades: new CascadeRepository(manager),
    outbox: new OutboxRepository(manager),
    transaction: (fn) => manager.transaction((tx) => fn(bind(tx))),
    ping: async () => {
      await manager.query('SELECT 1');
    },
  };
}

/** Builds the {@link Db} facade over an initialised DataSource. */
export function createDb(dataSource: DataSource): Db {
  return bind(dataSource.manager);
}
