import { parseVersion } from './semver';

describe(parseVersion.name, () => {
  it.each([
    ['codex 1.2.3', '1.2.3'],
    ['codex-cli 0.118.0\n', '0.118.0'],
    ['2.1.5 (Claude Code)', '2.1.5'],
    ['v2.0.0', '2.0.0'],
    ['tool version v10.04.7-beta.2+build.5', '10.4.7-beta.2'],
    ['Welcome to the wrapper\nwrapped codex 3.4.5\nmore 9.9.9', '3.4.5'],
    ['\r\n  1.0.0  \r\n', '1.0.0'],
    ['version 4.5.6.', '4.5.6'],
  ])('reads %j as %s', (output, version) => {
    expect(parseVersion(output)).toBe(version);
  });

  it.each([[''], ['no version here'], ['1.2'], ['release 2024'], ['ip 10.0.0.1.5'], ['10.0.0.1']])(
    'finds no version in %j',
    (output) => {
      expect(parseVersion(output)).toBeUndefined();
    },
  );
});
