import { launchArgv, versionProbeArgv } from './argv';

describe(launchArgv.name, () => {
  it('puts the command first, then fixed_args, then the agent arguments', () => {
    expect(
      launchArgv('/opt/bin/ccms', ['start', 'q36'], ['--output-format', 'stream-json']),
    ).toEqual(['/opt/bin/ccms', 'start', 'q36', '--output-format', 'stream-json']);
  });

  it('keeps arguments as given: no splitting, no deduplication', () => {
    expect(launchArgv('/bin/cx', ['--model', 'a b'], ['--model', 'c'])).toEqual([
      '/bin/cx',
      '--model',
      'a b',
      '--model',
      'c',
    ]);
  });

  it('is just the command without arguments', () => {
    expect(launchArgv('/bin/cx', [])).toEqual(['/bin/cx']);
  });
});

describe(versionProbeArgv.name, () => {
  it('probes through the fixed prefix', () => {
    expect(versionProbeArgv('/opt/bin/ccms', ['start', 'q36'])).toEqual([
      '/opt/bin/ccms',
      'start',
      'q36',
      '--version',
    ]);
    expect(versionProbeArgv('/usr/bin/codex')).toEqual(['/usr/bin/codex', '--version']);
  });
});
