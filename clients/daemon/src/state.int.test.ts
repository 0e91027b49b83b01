import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RegistrationRecord } from './bookkeeping';
import { createLogger, type LogRecord } from './log';
import { DaemonState, StateFileError } from './state';

const record = (workspaceId: string): RegistrationRecord => ({
  workspace_id: workspaceId,
  server: 'http://127.0.0.1:8080/',
  daemon_id: '9c069d3e-6f1f-4a55-8a1e-0d7c4b9f1a33',
  registered_at: '2026-12-04T06:38:11.146Z',
  runtimes: [
    {
      id: 'cb8d0f7e-5b0e-4a43-9b1e-3f0f5c1d2a44',
      name: 'Claude (h)',
      provider: 'claude',
      status: 'online',
      profile_id: null,
    },
  ],
  profiles: {},
  built_ins: { claude: { command_path: '/usr/bin/claude', version: '2.1.5' } },
  failed_profiles: [],
});

describe(DaemonState.name, () => {
  let dir: string;
  let file: string;
  let records: LogRecord[];
  let sut: DaemonState;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cp-daemon-state-'));
    file = path.join(dir, 'registrations.json');
    records = [];
    sut = new DaemonState(
      dir,
      createLogger((r) => records.push(r), 'debug'),
    );
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('saveRegistration', () => {
    it('keeps the other workspaces’ records', async () => {
      await sut.saveRegistration(record('ws-a'));
      await sut.saveRegistration(record('ws-b'));
      await sut.saveRegistration({ ...record('ws-a'), registered_at: '2026-12-05T00:00:00.000Z' });

      const saved = await sut.registrations();

      expect(saved.map((r) => [r.workspace_id, r.registered_at])).toEqual([
        ['ws-a', '2026-12-05T00:00:00.000Z'],
        ['ws-b', '2026-12-04T06:38:11.146Z'],
      ]);
      expect(records).toEqual([]);
    });

    it.each([
      ['a corrupt file', '{"ws-a": {"workspace_id": "ws-a", '],
      ['an older shape', JSON.stringify({ 'ws-a': { workspace_id: 'ws-a', runtimes: ['x'] } })],
      ['another JSON value', '[]'],
    ])('logs one line and starts fresh over %s', async (_what, text) => {
      await writeFile(file, text);

      await sut.saveRegistration(record('ws-b'));

      expect(records.map((r) => r.event)).toEqual(['registrations_reset']);
      expect(records[0]?.level).toBe('warn');
      expect(records[0]?.fields.reason).toEqual(expect.stringContaining(`cannot read ${file}`));
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'ws-b': record('ws-b') });
      expect(await sut.registrations()).toEqual([record('ws-b')]);
    });
  });

  describe('registrations', () => {
    it('is empty before the first registration', async () => {
      expect(await sut.registrations()).toEqual([]);
    });

    it('throws StateFileError, with the file and the first problem, for a file it cannot read', async () => {
      await writeFile(file, JSON.stringify({ 'ws-a': { workspace_id: 7 } }));

      const failure = sut.registrations();

      await expect(failure).rejects.toThrow(StateFileError);
      await expect(failure).rejects.toThrow(
        `cannot read ${file}: not a registrations file (ws-a.workspace_id: `,
      );
    });
  });
});
