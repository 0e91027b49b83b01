import { REGISTER_LIMITS } from '@cp/contracts';
import {
  buildRegisterRequest,
  type DaemonIdentity,
  type DetectedBuiltIn,
  isEmptyRequest,
  type ProfileResolution,
  profileSignature,
} from './detection';

const identity: DaemonIdentity = {
  workspaceId: 'ws-1',
  daemonId: 'daemon-1',
  legacyDaemonIds: ['host', 'host.local'],
  deviceName: 'devbox',
  cliVersion: '0.1.0',
  launchedBy: '',
};

const claude: DetectedBuiltIn = {
  provider: 'claude',
  commandName: 'claude',
  commandPath: '/usr/bin/claude',
  version: '2.1.0',
};

const profile = (id: string, over: Partial<ProfileResolution['profile']> = {}) => ({
  id,
  display_name: `Profile ${id}`,
  protocol_family: 'codex',
  command_name: `cmd-${id}`,
  fixed_args: [],
  ...over,
});

const resolutions: ProfileResolution[] = [
  { kind: 'resolved', profile: profile('p1'), commandPath: '/opt/bin/cmd-p1', version: '9.9.9' },
  { kind: 'failed', profile: profile('p2'), reason: 'command not found on PATH: cmd-p2' },
  { kind: 'skipped', profile: profile('p3', { command_name: '' }), reason: 'missing' },
];

describe(buildRegisterRequest.name, () => {
  it('sends built-ins, then resolved profiles, with failed profiles reported apart', () => {
    const sut = buildRegisterRequest(identity, [claude], resolutions);

    expect(sut).toEqual({
      workspace_id: 'ws-1',
      daemon_id: 'daemon-1',
      legacy_daemon_ids: ['host', 'host.local'],
      device_name: 'devbox',
      cli_version: '0.1.0',
      launched_by: '',
      runtimes: [
        { name: 'Claude (devbox)', type: 'claude', version: '2.1.0', status: 'online' },
        {
          name: 'Profile p1 (devbox)',
          type: 'codex',
          version: '9.9.9',
          status: 'online',
          profile_id: 'p1',
        },
      ],
      failed_profiles: [
        { profile_id: 'p2', command_name: 'cmd-p2', reason: 'command not found on PATH: cmd-p2' },
      ],
    });
  });

  it('leaves out profiles the server refused', () => {
    const sut = buildRegisterRequest(identity, [], resolutions, new Set(['p1', 'p2']));
    expect(sut.runtimes).toEqual([]);
    expect(sut.failed_profiles).toEqual([]);
    expect(isEmptyRequest(sut)).toBe(true);
  });

  it('names runtimes without a device suffix when there is no device name', () => {
    const sut = buildRegisterRequest({ ...identity, deviceName: '' }, [claude], []);
    expect(sut.runtimes?.[0]?.name).toBe('Claude');
  });

  it('clips a failure reason to the wire limit', () => {
    const long: ProfileResolution = {
      kind: 'failed',
      profile: profile('p4'),
      reason: 'x'.repeat(REGISTER_LIMITS.reason + 50),
    };
    const sut = buildRegisterRequest(identity, [], [long]);
    expect(sut.failed_profiles?.[0]?.reason).toHaveLength(REGISTER_LIMITS.reason);
  });
});

describe(profileSignature.name, () => {
  it('ignores order and display names but not commands, fixed_args or enabled', () => {
    const a = profile('a');
    const b = profile('b');
    expect(profileSignature([a, b])).toBe(profileSignature([b, a]));
    expect(profileSignature([a])).toBe(profileSignature([{ ...a, display_name: 'renamed' }]));
    expect(profileSignature([a])).not.toBe(profileSignature([{ ...a, command_name: 'other' }]));
    expect(profileSignature([a])).not.toBe(profileSignature([{ ...a, fixed_args: ['--x'] }]));
    expect(profileSignature([a])).not.toBe(profileSignature([{ ...a, enabled: false }]));
  });
});
