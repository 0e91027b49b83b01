import { isUuid, PROTOCOL_FAMILIES } from '@cp/contracts';
import { builtInTypes, seededDaemonId, simulatedRequest } from './simulator';

describe(seededDaemonId.name, () => {
  it('derives a stable UUID per seed and index', () => {
    const id = seededDaemonId('storm-1', 7);
    expect(isUuid(id)).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seededDaemonId('storm-1', 7)).toBe(id);
    expect(seededDaemonId('storm-1', 8)).not.toBe(id);
    expect(seededDaemonId('storm-2', 7)).not.toBe(id);
  });
});

describe(builtInTypes.name, () => {
  it('uses the families first, then synthetic types', () => {
    const types = builtInTypes(PROTOCOL_FAMILIES.length + 2);
    expect(types.slice(0, PROTOCOL_FAMILIES.length)).toEqual([...PROTOCOL_FAMILIES]);
    expect(types.slice(-2)).toEqual([
      `sim-${PROTOCOL_FAMILIES.length}`,
      `sim-${PROTOCOL_FAMILIES.length + 1}`,
    ]);
    expect(new Set(types).size).toBe(types.length);
  });
});

describe(simulatedRequest.name, () => {
  it('sends the custom profiles first, then built-ins up to the runtime count', () => {
    const profile = {
      id: 'p1',
      display_name: 'Company Codex',
      protocol_family: 'codex',
      command_name: 'company-codex',
      fixed_args: [],
    };

    const sut = simulatedRequest({ workspaceId: 'ws', runtimes: 3 }, 'd-1', 4, [profile]);

    expect(sut).toMatchObject({ workspace_id: 'ws', daemon_id: 'd-1', device_name: 'sim-4' });
    expect(sut.runtimes).toEqual([
      {
        name: 'Company Codex (sim-4)',
        type: 'codex',
        version: '9.9.9',
        status: 'online',
        profile_id: 'p1',
      },
      { name: 'Claude (sim-4)', type: 'claude', version: '1.4.0', status: 'online' },
      { name: 'Codebuddy (sim-4)', type: 'codebuddy', version: '1.4.1', status: 'online' },
    ]);
  });
});
