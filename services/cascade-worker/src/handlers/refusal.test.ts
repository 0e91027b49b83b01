import { AgentJson, AppError, MESSAGES } from '@cp/contracts';
import type { Agent, CascadeBlocker } from '@cp/db';
import { z } from 'zod';
import { profileRefusal, runtimeRefusal } from './refusal';

/** An agent row as the cascade repository reads it (no I/O). */
function buildAgent(over: Partial<Agent> = {}): Agent {
  return {
    id: '0b8e3c1e-6f0a-4c7e-9a53-2f4d1f6b9a01',
    workspaceId: '5d2f8a47-1c3b-4e6d-8f90-a1b2c3d4e5f6',
    name: 'reviewer',
    description: 'reviews pull requests',
    runtimeMode: 'local',
    runtimeConfig: {},
    runtimeId: '9c4a7e21-3b5d-4f80-a6c2-7e1d0b9f8a34',
    visibility: 'workspace',
    status: 'idle',
    ownerId: '3e7b9d15-2a4c-4b6e-8d0f-c1a3e5b7d9f2',
    customArgs: ['--fast'],
    customEnv: { SECRET: 'not on the wire' },
    archivedAt: null,
    archivedBy: null,
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    updatedAt: new Date('2026-01-03T04:05:06.789Z'),
    ...over,
  };
}

const activeAgents = (agents: Agent[]): CascadeBlocker => ({ kind: 'active-agents', agents });
const activeSquads: CascadeBlocker = {
  kind: 'active-squads-led-by-archived-agents',
  squadIds: ['7a1c3e5b-9d2f-4a6c-8e0b-1d3f5a7c9e2b'],
};

/** Runtime delete's 409 body for active agents (spec §5.2 step 4). */
const ActiveAgentsBody = z.object({
  code: z.literal('runtime_has_active_agents'),
  active_agents: z.array(AgentJson),
});

describe(profileRefusal.name, () => {
  it('answers active agents with ACTIVE_AGENTS_BOUND and the plain profile sentence', () => {
    const sut = profileRefusal(activeAgents([buildAgent()]));

    expect(sut).toBeInstanceOf(AppError);
    expect(sut.code).toBe('ACTIVE_AGENTS_BOUND');
    expect(sut.message).toBe(MESSAGES.profileActiveAgents);
    expect(sut.opts.body).toBeUndefined();
    expect(sut.retryable).toBe(false);
  });

  it('answers active squads led by archived agents with their code and the profile sentence', () => {
    const sut = profileRefusal(activeSquads);

    expect(sut.code).toBe('ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS');
    expect(sut.message).toBe(MESSAGES.profileActiveSquads);
    expect(sut.opts.body).toBeUndefined();
    expect(sut.retryable).toBe(false);
  });
});

describe(runtimeRefusal.name, () => {
  it('answers active agents with the structured body listing them as agent JSON', () => {
    const agents = [
      buildAgent(),
      buildAgent({
        id: '1f3b5d7e-9a2c-4e6f-8b0d-2c4e6a8b0d1f',
        name: 'builder',
        ownerId: null,
        customArgs: [],
      }),
    ];

    const sut = runtimeRefusal(activeAgents(agents));

    expect(sut.code).toBe('ACTIVE_AGENTS_BOUND');
    expect(sut.message).toBe(MESSAGES.runtimeActiveAgents);
    expect(sut.retryable).toBe(false);
    const body = ActiveAgentsBody.parse(sut.opts.body);
    expect(body.active_agents).toEqual([
      {
        id: '0b8e3c1e-6f0a-4c7e-9a53-2f4d1f6b9a01',
        workspace_id: '5d2f8a47-1c3b-4e6d-8f90-a1b2c3d4e5f6',
        name: 'reviewer',
        description: 'reviews pull requests',
        runtime_mode: 'local',
        runtime_id: '9c4a7e21-3b5d-4f80-a6c2-7e1d0b9f8a34',
        visibility: 'workspace',
        status: 'idle',
        owner_id: '3e7b9d15-2a4c-4b6e-8d0f-c1a3e5b7d9f2',
        custom_args: ['--fast'],
        archived_at: null,
        archived_by: null,
        created_at: '2026-01-02T03:04:05Z',
        updated_at: '2026-01-03T04:05:06Z',
      },
      expect.objectContaining({
        id: '1f3b5d7e-9a2c-4e6f-8b0d-2c4e6a8b0d1f',
        name: 'builder',
        owner_id: null,
        custom_args: [],
      }),
    ]);
  });

  it('answers active squads led by archived agents with the runtime sentence and no body', () => {
    const sut = runtimeRefusal(activeSquads);

    expect(sut.code).toBe('ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS');
    expect(sut.message).toBe(MESSAGES.runtimeActiveSquads);
    expect(sut.opts.body).toBeUndefined();
    expect(sut.retryable).toBe(false);
  });
});
