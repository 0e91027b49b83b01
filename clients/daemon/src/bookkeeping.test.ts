import {
  argvForRuntime,
  customLaunchForRuntime,
  launchForRuntime,
  type RegistrationRecord,
  ResolveError,
} from './bookkeeping';

const record: RegistrationRecord = {
  workspace_id: 'ws-1',
  server: 'http://127.0.0.1:8080/',
  daemon_id: 'daemon-1',
  registered_at: '2026-01-01T00:00:00.000Z',
  runtimes: [
    {
      id: 'rt-custom',
      name: 'Company Codex',
      provider: 'codex',
      status: 'online',
      profile_id: 'prof-1',
    },
    { id: 'rt-builtin', name: 'Claude', provider: 'claude', status: 'online', profile_id: null },
    {
      id: 'rt-unresolved',
      name: 'Other',
      provider: 'codex',
      status: 'online',
      profile_id: 'prof-x',
    },
    { id: 'rt-orphan', name: 'Kimi', provider: 'kimi', status: 'online', profile_id: 'prof-y' },
  ],
  profiles: {
    'prof-1': {
      display_name: 'Company Codex',
      protocol_family: 'codex',
      command_name: 'company-codex',
      command_path: '/opt/bin/company-codex',
      fixed_args: ['--model', 'composer-2.5'],
      version: '9.8.7',
    },
  },
  built_ins: {
    claude: { command_path: '/usr/bin/claude', version: '2.1.0' },
    codex: { command_path: '/usr/bin/codex', version: '1.2.3' },
  },
  failed_profiles: [],
};

describe(customLaunchForRuntime.name, () => {
  it('gives a custom runtime its profile’s recorded command and fixed_args', () => {
    expect(customLaunchForRuntime(record, 'rt-custom')).toMatchObject({
      source: 'profile',
      profileId: 'prof-1',
      commandPath: '/opt/bin/company-codex',
      fixedArgs: ['--model', 'composer-2.5'],
    });
  });

  it('gives nothing to a built-in runtime, an unknown one, or one whose profile never resolved', () => {
    expect(customLaunchForRuntime(record, 'rt-builtin')).toBeUndefined();
    expect(customLaunchForRuntime(record, 'rt-unknown')).toBeUndefined();
    expect(customLaunchForRuntime(record, 'rt-unresolved')).toBeUndefined();
  });
});

describe(launchForRuntime.name, () => {
  it('launches a built-in runtime with its family’s CLI', () => {
    expect(launchForRuntime([record], 'rt-builtin')).toMatchObject({
      source: 'built-in',
      commandPath: '/usr/bin/claude',
      fixedArgs: [],
    });
  });

  it('falls back to the built-in CLI of the family for an unresolved profile, as upstream does', () => {
    expect(launchForRuntime([record], 'rt-unresolved')).toMatchObject({
      source: 'built-in',
      profileId: 'prof-x',
      commandPath: '/usr/bin/codex',
    });
  });

  it('refuses an unknown runtime and a family with nothing to run', () => {
    expect(() => launchForRuntime([record], 'rt-unknown')).toThrow(ResolveError);
    expect(() => launchForRuntime([record], 'rt-orphan')).toThrow(
      'no agent configured for provider "kimi"',
    );
  });
});

describe(argvForRuntime.name, () => {
  it('is [command, ...fixed_args, ...agent args] for a custom runtime', () => {
    expect(argvForRuntime([record], 'rt-custom', ['--json'])).toEqual([
      '/opt/bin/company-codex',
      '--model',
      'composer-2.5',
      '--json',
    ]);
  });

  it('is [command, ...agent args] for a built-in runtime', () => {
    expect(argvForRuntime([record], 'rt-builtin', ['-p', 'hi'])).toEqual([
      '/usr/bin/claude',
      '-p',
      'hi',
    ]);
  });
});
