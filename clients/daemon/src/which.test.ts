import { commandCandidates, lookPath } from './which';

const env = { path: '/usr/local/bin:/usr/bin::relative/bin:/opt/tools', cwd: '/home/dev' };

/** An executable check that knows only these files. */
const only =
  (...files: string[]) =>
  (file: string): Promise<boolean> =>
    Promise.resolve(files.includes(file));

describe(commandCandidates.name, () => {
  it('searches each absolute PATH directory in order, skipping empty and relative entries', () => {
    expect(commandCandidates('codex', env)).toEqual([
      '/usr/local/bin/codex',
      '/usr/bin/codex',
      '/opt/tools/codex',
    ]);
  });

  it('checks a name with a path separator directly, resolved against the working directory', () => {
    expect(commandCandidates('/opt/bin/company-codex', env)).toEqual(['/opt/bin/company-codex']);
    expect(commandCandidates('./bin/cx', env)).toEqual(['/home/dev/bin/cx']);
    expect(commandCandidates('tools/cx', env)).toEqual(['/home/dev/tools/cx']);
  });

  it('has nothing to try for an empty name, a NUL byte or an empty PATH', () => {
    expect(commandCandidates('', env)).toEqual([]);
    expect(commandCandidates('co\0dex', env)).toEqual([]);
    expect(commandCandidates('codex', { path: '', cwd: '/' })).toEqual([]);
  });
});

describe(lookPath.name, () => {
  it('resolves to the first executable candidate', async () => {
    expect(await lookPath('codex', env, only('/usr/bin/codex', '/opt/tools/codex'))).toBe(
      '/usr/bin/codex',
    );
  });

  it('resolves a direct path only when that file is executable', async () => {
    expect(await lookPath('/opt/bin/cx', env, only('/opt/bin/cx'))).toBe('/opt/bin/cx');
    expect(await lookPath('/opt/bin/cx', env, only('/usr/bin/cx'))).toBeUndefined();
  });

  it('never finds a command through a relative PATH entry', async () => {
    expect(await lookPath('cx', env, only('relative/bin/cx', '/home/dev/relative/bin/cx'))).toBe(
      undefined,
    );
  });
});
