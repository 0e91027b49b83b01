import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isUuid } from '@cp/contracts';
import { z } from 'zod';
import { RegistrationRecord } from './bookkeeping';
import { type DaemonLogger, errorText, silentLogger } from './log';

const ID_FILE = 'daemon.id';
const LEGACY_FILE = 'legacy-daemon-ids';
const REGISTRATIONS_FILE = 'registrations.json';

const Registrations = z.record(z.string(), RegistrationRecord);

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, file);
}

/** A state file that exists but cannot be read as its schema (corrupt, or an older shape). */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/** The first problem of a parse failure, in one line. */
function problemOf(err: unknown): string {
  if (err instanceof z.ZodError) {
    const [issue] = err.issues;
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `not a registrations file (${where}${issue?.message ?? 'invalid'})`;
  }
  return errorText(err);
}

/**
 * The daemon's state directory: its persistent id (`daemon.id`), earlier ids to merge
 * (`legacy-daemon-ids`, one per line) and its last registration per workspace
 * (`registrations.json`).
 */
export class DaemonState {
  constructor(
    readonly dir: string,
    private readonly log: DaemonLogger = silentLogger,
  ) {}

  /**
   * The daemon id: the UUID in `daemon.id`, created on first use. A file holding something
   * else (a hostname-era id) is replaced by a UUID, and the old value kept as a legacy id, so
   * the server folds the old rows into the new ones.
   */
  async daemonId(): Promise<{ id: string; created: boolean }> {
    const file = path.join(this.dir, ID_FILE);
    const stored = (await readText(file))?.trim() ?? '';
    if (isUuid(stored)) {
      return { id: stored.toLowerCase(), created: false };
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (stored !== '') {
      await this.addLegacyIds([stored]);
    }
    const id = randomUUID();
    await writeAtomically(file, `${id}\n`);
    return { id, created: true };
  }

  /**
   * Earlier identities of this machine, minus `currentId` (spec §4.5): the hostname with and
   * without `.local`, and the ids in `legacy-daemon-ids`.
   */
  async legacyDaemonIds(currentId: string, hostname: string): Promise<string[]> {
    const stored = (await readText(path.join(this.dir, LEGACY_FILE))) ?? '';
    const host = hostname.trim();
    const bare = host.replace(/\.local$/i, '');
    const candidates = [
      ...(bare === '' ? [] : [bare, `${bare}.local`]),
      ...stored.split(/\r?\n/).map((line) => line.trim()),
    ];
    const seen = new Set<string>();
    return candidates.filter((id) => {
      const key = id.toLowerCase();
      if (id === '' || key === currentId.toLowerCase() || seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    });
  }

  private async addLegacyIds(ids: string[]): Promise<void> {
    const file = path.join(this.dir, LEGACY_FILE);
    const existing = ((await readText(file)) ?? '').split(/\r?\n/).filter((l) => l.trim() !== '');
    await writeAtomically(file, `${[...new Set([...existing, ...ids])].join('\n')}\n`);
  }

  /**
   * Every workspace's last registration (none before the first `run`).
   * @throws StateFileError when `registrations.json` is not valid JSON of the current shape.
   */
  async registrations(): Promise<RegistrationRecord[]> {
    const file = path.join(this.dir, REGISTRATIONS_FILE);
    const text = await readText(file);
    if (text === undefined) {
      return [];
    }
    try {
      return Object.values(Registrations.parse(JSON.parse(text)));
    } catch (err) {
      throw new StateFileError(`cannot read ${file}: ${problemOf(err)}`, { cause: err });
    }
  }

  /**
   * Replaces the record of `record.workspace_id`, keeping the other workspaces'. A file that
   * cannot be read (corrupt, or written by an older daemon) is logged in one line
   * (`registrations_reset`) and replaced: the registration the server just accepted must not
   * fail for it, and the file is rewritten at every registration anyway.
   */
  async saveRegistration(record: RegistrationRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let records: RegistrationRecord[] = [];
    try {
      records = await this.registrations();
    } catch (err) {
      if (!(err instanceof StateFileError)) {
        throw err;
      }
      this.log.warn('registrations_reset', { reason: err.message });
    }
    const all = Object.fromEntries(records.map((r) => [r.workspace_id, r] as const));
    all[record.workspace_id] = record;
    await writeAtomically(
      path.join(this.dir, REGISTRATIONS_FILE),
      `${JSON.stringify(all, null, 2)}\n`,
    );
  }
}
