import { AppError, MESSAGES, toAgentJson } from '@cp/contracts';
import type { CascadeBlocker } from '@cp/db';

/** The 409 a profile deletion answers for a blocker (upstream's plain sentences). */
export function profileRefusal(blocker: CascadeBlocker): AppError {
  return blocker.kind === 'active-agents'
    ? new AppError('ACTIVE_AGENTS_BOUND', MESSAGES.profileActiveAgents)
    : new AppError('ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS', MESSAGES.profileActiveSquads);
}

/**
 * The 409 a runtime deletion answers for a blocker: upstream's body for active agents keeps its
 * lowercase `code` and the `active_agents` list.
 */
export function runtimeRefusal(blocker: CascadeBlocker): AppError {
  return blocker.kind === 'active-agents'
    ? new AppError('ACTIVE_AGENTS_BOUND', MESSAGES.runtimeActiveAgents, {
        body: { code: 'runtime_has_active_agents', active_agents: blocker.agents.map(toAgentJson) },
      })
    : new AppError('ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS', MESSAGES.runtimeActiveSquads);
}
