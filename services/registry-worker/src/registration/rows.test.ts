import { createHash, randomUUID } from 'node:crypto';
import type { RegisterEntryPayload, RuntimeRegisterPayload } from '@cp/contracts';
import type { RuntimeUpsert } from '@cp/db';
import { conflictKey, mergeAndSort, reposOf, toUpsert } from './rows';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function buildPayload(over: Partial<RuntimeRegisterPayload> = {}): RuntimeRegisterPayload {
  return {
    workspaceId: randomUUID(),
    daemonId: randomUUID(),
    legacyDaemonIds: [],
    deviceName: 'devbox',
    cliVersion: '1.4.2',
    launchedBy: 'desktop',
    runtimes: [buildEntry()],
    ownerId: null,
    ...over,
  };
}

function buildEntry(over: Partial<RegisterEntryPayload> = {}): RegisterEntryPayload {
  return {
    name: 'Codex',
    type: 'codex',
    version: '0.9.0',
    status: 'online',
    profileId: null,
    ...over,
  };
}

function buildRow(over: Partial<RuntimeUpsert> = {}): RuntimeUpsert {
  return {
    workspaceId: randomUUID(),
    daemonId: randomUUID(),
    name: 'Codex',
    provider: 'codex',
    status: 'online',
    deviceInfo: '',
    metadata: {},
    ownerId: null,
    profileId: null,
    ...over,
  };
}

describe('registration rows', () => {
  describe(toUpsert.name, () => {
    it('copies the request identity, owner and profile onto the row', () => {
      const payload = buildPayload({ ownerId: randomUUID() });
      const entry = buildEntry({ profileId: randomUUID() });

      const sut = toUpsert(payload, entry, 'codex');

      expect(sut).toMatchObject({
        workspaceId: payload.workspaceId,
        daemonId: payload.daemonId,
        ownerId: payload.ownerId,
        profileId: entry.profileId,
      });
    });

    it('uses the trimmed type as the provider of a built-in entry', () => {
      const sut = toUpsert(buildPayload(), buildEntry({ type: '  claude \t' }), null);

      expect(sut.provider).toBe('claude');
    });

    it.each(['', '   '])('falls back to provider unknown for the type %j', (type) => {
      const sut = toUpsert(buildPayload(), buildEntry({ type, name: '' }), null);

      expect(sut.provider).toBe('unknown');
      expect(sut.name).toBe('unknown (devbox)');
    });

    it('takes the provider of a custom entry from the profile family, not from type', () => {
      const entry = buildEntry({ type: 'claude', profileId: randomUUID() });

      const sut = toUpsert(buildPayload(), entry, 'codex');

      expect(sut.provider).toBe('codex');
    });

    it('trims the sent name', () => {
      const sut = toUpsert(buildPayload(), buildEntry({ name: '  My Codex  ' }), null);

      expect(sut.name).toBe('My Codex');
    });

    it('names an unnamed entry after its provider and the device', () => {
      const sut = toUpsert(buildPayload(), buildEntry({ name: ' ', type: 'gemini' }), null);

      expect(sut.name).toBe('gemini (devbox)');
    });

    it('names an unnamed entry after its provider alone without a device name', () => {
      const payload = buildPayload({ deviceName: '' });

      const sut = toUpsert(payload, buildEntry({ name: '', type: 'gemini' }), null);

      expect(sut.name).toBe('gemini');
    });

    it('names an unnamed custom entry after the sent type, not the profile family', () => {
      const entry = buildEntry({ name: '', type: 'claude', profileId: randomUUID() });

      const sut = toUpsert(buildPayload(), entry, 'codex');

      expect(sut.name).toBe('claude (devbox)');
    });

    it.each([
      ['devbox', '1.0.0', 'devbox · 1.0.0'],
      ['', '1.0.0', '1.0.0'],
      ['devbox', '', 'devbox'],
      ['', '', ''],
    ])('derives device_info from device %j and version %j as %j', (deviceName, version, want) => {
      const sut = toUpsert(buildPayload({ deviceName }), buildEntry({ version }), null);

      expect(sut.deviceInfo).toBe(want);
    });

    it.each([
      ['offline', 'offline'],
      ['online', 'online'],
      ['Offline', 'online'],
      [' offline', 'online'],
      ['', 'online'],
      ['busy', 'online'],
    ] as const)('maps the status %j to %j', (status, want) => {
      const sut = toUpsert(buildPayload(), buildEntry({ status }), null);

      expect(sut.status).toBe(want);
    });

    it('records the entry version, the cli version and the launcher as metadata', () => {
      const payload = buildPayload({ cliVersion: '2.0.1', launchedBy: 'cli' });

      const sut = toUpsert(payload, buildEntry({ version: '0.7.3' }), null);

      expect(sut.metadata).toEqual({ version: '0.7.3', cli_version: '2.0.1', launched_by: 'cli' });
    });
  });

  describe(conflictKey.name, () => {
    it('keys a built-in row by workspace, daemon and provider', () => {
      const row = buildRow();

      expect(conflictKey(row)).toBe(conflictKey({ ...row, provider: 'codex' }));
      expect(conflictKey(row)).not.toBe(conflictKey({ ...row, provider: 'claude' }));
      expect(conflictKey(row)).not.toBe(conflictKey({ ...row, daemonId: randomUUID() }));
      expect(conflictKey(row)).not.toBe(conflictKey({ ...row, workspaceId: randomUUID() }));
    });

    it('keys a custom row by workspace, daemon and profile, whatever its provider', () => {
      const row = buildRow({ profileId: randomUUID() });

      expect(conflictKey(row)).toBe(conflictKey({ ...row, provider: 'claude' }));
      expect(conflictKey(row)).not.toBe(conflictKey({ ...row, profileId: randomUUID() }));
      expect(conflictKey(row)).not.toBe(conflictKey({ ...row, daemonId: randomUUID() }));
    });
  });

  describe(mergeAndSort.name, () => {
    it('keeps one row per key, the last one submitted', () => {
      const first = buildRow({ name: 'first' });
      const other = buildRow();
      const last = { ...first, name: 'last', status: 'offline' as const };

      const sut = mergeAndSort([first, other, last]);

      expect(sut).toHaveLength(2);
      expect(sut).toContainEqual(last);
      expect(sut).toContainEqual(other);
      expect(sut).not.toContainEqual(first);
    });

    it('keeps an earlier owner when the last row of a key has none, as COALESCE would', () => {
      const owner = randomUUID();
      const first = buildRow({ ownerId: owner, name: 'first' });
      const last = { ...first, ownerId: null, name: 'last' };

      expect(mergeAndSort([first, last])).toEqual([{ ...last, ownerId: owner }]);
    });

    it('lets a later owner replace an earlier one', () => {
      const first = buildRow({ ownerId: randomUUID() });
      const last = { ...first, ownerId: randomUUID() };

      expect(mergeAndSort([first, last])).toEqual([last]);
    });

    it('sorts the rows by key, whatever the submission order', () => {
      const rows = Array.from({ length: 12 }, (_, i) =>
        buildRow({ profileId: i % 3 === 0 ? randomUUID() : null, provider: `p${i % 4}` }),
      );

      const sut = mergeAndSort(rows);
      const reversed = mergeAndSort([...rows].reverse());

      const keys = sut.map(conflictKey);
      expect(keys).toEqual([...keys].sort());
      expect(reversed).toEqual(sut);
    });

    it('keeps a built-in row and a custom row of the same provider on one daemon apart', () => {
      const builtIn = buildRow({ provider: 'codex' });
      const custom = { ...builtIn, profileId: randomUUID() };

      const sut = mergeAndSort([builtIn, custom]);

      expect(sut).toHaveLength(2);
      expect(sut).toContainEqual(builtIn);
      expect(sut).toContainEqual(custom);
    });

    it('keeps the same profile on two daemons apart', () => {
      const one = buildRow({ profileId: randomUUID() });
      const two = { ...one, daemonId: randomUUID() };

      expect(mergeAndSort([one, two])).toHaveLength(2);
    });

    it('returns nothing for no rows', () => {
      expect(mergeAndSort([])).toEqual([]);
    });
  });

  describe(reposOf.name, () => {
    it('trims the URLs and drops empty and duplicate ones, keeping the first description', () => {
      const stored = [
        { url: ' https://example.test/a.git ', description: 'first' },
        { url: 'https://example.test/b.git' },
        { url: '' },
        { url: '   ', description: 'blank' },
        { url: 'https://example.test/a.git', description: 'duplicate' },
        { description: 'no url' },
        { url: 42 },
        null,
        'https://example.test/not-an-object.git',
      ];

      const sut = reposOf(stored);

      expect(sut.repos).toEqual([
        { url: 'https://example.test/a.git', description: 'first' },
        { url: 'https://example.test/b.git', description: '' },
      ]);
    });

    it('versions the repos as the SHA-256 of the sorted URLs joined by newlines', () => {
      const stored = [
        { url: 'https://example.test/zeta.git' },
        { url: 'https://example.test/alpha.git' },
        { url: ' https://example.test/zeta.git' },
      ];

      const sut = reposOf(stored);

      expect(sut.reposVersion).toBe(
        sha256('https://example.test/alpha.git\nhttps://example.test/zeta.git'),
      );
    });

    it('does not depend on the stored order', () => {
      const a = { url: 'https://example.test/a.git' };
      const b = { url: 'https://example.test/b.git' };

      expect(reposOf([a, b]).reposVersion).toBe(reposOf([b, a]).reposVersion);
    });

    it.each([null, undefined, {}, 'repos', 7])(
      'reads %j as no repos, versioned as the hash of the empty string',
      (stored) => {
        const sut = reposOf(stored);

        expect(sut).toEqual({ repos: [], reposVersion: sha256('') });
        expect(sut.reposVersion).toBe(
          'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        );
      },
    );
  });
});
