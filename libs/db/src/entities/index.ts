import { Agent } from './agent.entity';
import { AgentRuntime } from './agent-runtime.entity';
import { AgentTask } from './agent-task.entity';
import { ApiToken } from './api-token.entity';
import { Autopilot } from './autopilot.entity';
import { Member } from './member.entity';
import { RuntimeProfile } from './runtime-profile.entity';
import { Squad } from './squad.entity';
import { SquadMember } from './squad-member.entity';
import { User } from './user.entity';
import { Workspace } from './workspace.entity';

export {
  Agent,
  AgentRuntime,
  AgentTask,
  ApiToken,
  Autopilot,
  Member,
  RuntimeProfile,
  Squad,
  SquadMember,
  User,
  Workspace,
};

/** Every entity, listed explicitly (no globs). */
export const ENTITIES = [
  Workspace,
  User,
  Member,
  ApiToken,
  AgentRuntime,
  RuntimeProfile,
  Agent,
  Squad,
  SquadMember,
  Autopilot,
  AgentTask,
];
