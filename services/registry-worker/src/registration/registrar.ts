import {
  AppError,
  buildEvent,
  type DomainEvent,
  type EventActor,
  type FailedProfilePayload,
  MESSAGES,
  type RegisterResponse,
  type RuntimeRegisterPayload,
  toAgentRuntimeJson,
} from '@cp/contracts';
import {
  type AgentRuntime,
  type Db,
  isTransientPgError,
  type LegacyMerge,
  type LockedProfile,
  type RuntimeUpsert,
} from '@cp/db';
import type { Logger } from '@cp/platform';
import type { OutboxRelay } from '@cp/queue';
import { MicroBatcher, type MicroBatcherOptions, type Settled } from './micro-batcher';
import { conflictKey, mergeAndSort, reposOf, toFailedUpsert, toUpsert } from './rows';

/** Reports a committed registration (the event stream, in production). */
export type RegisteredListener = (
  payload: RuntimeRegisterPayload,
  response: RegisterResponse,
) => Promise<void>;

/** Registers daemons' runtimes, many registrations per transaction. */
export interface Registrar {
  /**
   * Registers one request all-or-nothing and resolves to upstream's response body.
   * @throws AppError `UNKNOWN_PROFILE` (400), `PROFILE_DISABLED`, `PROFILE_DELETING` (409),
   *   `WORKSPACE_NOT_FOUND` (404): final refusals that wrote nothing. Any other error is
   *   transient or unexpected, and the job is retried.
   */
  register(payload: RuntimeRegisterPayload): Promise<RegisterResponse>;
}

export interface RegistrarDeps {
  db: Db;
  log: Logger;
  /** Publishes the `runtime.registered` events each batch committed to the outbox. */
  relay: Pick<OutboxRelay, 'kick'>;
}

/**
 * Builds the registrar. Registrations submitted together share one transaction: profiles are
 * locked `FOR KEY SHARE`, each registration is checked, the accepted ones are written with one
 * upsert per kind (keys merged, rows sorted) and the legacy merge runs; a refused registration
 * is simply left out, so it writes nothing and its neighbours commit. When the shared
 * transaction itself fails, each registration is retried alone, so one cannot fail another.
 */
export function makeRegistrar(deps: RegistrarDeps, opts: MicroBatcherOptions): Registrar {
  const flush = async (items: RuntimeRegisterPayload[]): Promise<Settled<RegisterResponse>[]> => {
    let results: Settled<RegisterResponse>[];
    try {
      results = await deps.db.transaction((tx) => registerBatch(tx, items, deps.log));
    } catch (err) {
      if (items.length === 1) {
        return [{ ok: false, error: err }];
      }
      deps.log.warn(
        { err, batchSize: items.length, transient: isTransientPgError(err) },
        'batch failed; registering one by one',
      );
      results = [];
      for (const item of items) {
        try {
          results.push(...(await deps.db.transaction((tx) => registerBatch(tx, [item], deps.log))));
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
    }
    if (results.some((result) => result.ok)) {
      deps.relay.kick();
    }
    return results;
  };
  const batcher = new MicroBatcher(flush, opts);
  return { register: (payload) => batcher.submit(payload) };
}

/**
 * Why a registration is refused, checked entry by entry in request order; undefined if fine.
 * Only `runtimes` entries count: a failed profile that cannot be recorded is skipped instead
 * (see {@link recordableFailures}).
 */
function refusalOf(
  payload: RuntimeRegisterPayload,
  profiles: Map<string, LockedProfile>,
): AppError | undefined {
  for (const entry of payload.runtimes) {
    if (entry.profileId === null) {
      continue;
    }
    const profile = profiles.get(entry.profileId);
    if (!profile || profile.workspaceId !== payload.workspaceId) {
      return new AppError('UNKNOWN_PROFILE', MESSAGES.unknownProfile(entry.profileId));
    }
    if (!profile.enabled) {
      return new AppError('PROFILE_DISABLED', MESSAGES.profileDisabled(entry.profileId));
    }
    if (profile.deletionRequested) {
      return new AppError('PROFILE_DELETING', MESSAGES.profileDeleting(entry.profileId));
    }
  }
  return undefined;
}

/**
 * The failed profiles of a registration that get their offline row, with their locked profile.
 * As upstream HEAD does, one that is unknown here, disabled or being deleted is skipped (and
 * logged), not refused: the daemon cannot run it anyway, and refusing would cost it the
 * runtimes it can run. Skipping writes nothing for that profile, so a deletion in progress
 * still leaves no orphan row.
 */
function recordableFailures(
  payload: RuntimeRegisterPayload,
  profiles: Map<string, LockedProfile>,
  log: Logger,
): { failed: FailedProfilePayload; profile: LockedProfile }[] {
  return (payload.failedProfiles ?? []).flatMap((failed) => {
    const profile = profiles.get(failed.profileId);
    if (
      profile &&
      profile.workspaceId === payload.workspaceId &&
      profile.enabled &&
      !profile.deletionRequested
    ) {
      return [{ failed, profile }];
    }
    log.info(
      { workspaceId: payload.workspaceId, daemonId: payload.daemonId, profileId: failed.profileId },
      'failed profile skipped: unknown, disabled or being deleted',
    );
    return [];
  });
}

/** Registers `items` inside transaction `tx`; each item gets its own outcome. */
async function registerBatch(
  tx: Db,
  items: RuntimeRegisterPayload[],
  log: Logger,
): Promise<Settled<RegisterResponse>[]> {
  const profileIds = [
    ...new Set(
      items.flatMap((item) => [
        ...item.runtimes.flatMap((e) => (e.profileId ? [e.profileId] : [])),
        ...(item.failedProfiles ?? []).map((f) => f.profileId),
      ]),
    ),
  ];
  const profiles = new Map((await tx.registrations.lockProfiles(profileIds)).map((p) => [p.id, p]));
  const workspaces = new Map(
    (await tx.registrations.workspaceContexts([...new Set(items.map((i) => i.workspaceId))])).map(
      (w) => [w.id, w],
    ),
  );

  // `rows` answer the request's entries, in order; `failedRows` are the failed profiles' offline
  // rows, written after them (as upstream does) and not part of the response.
  type Accepted = { rows: RuntimeUpsert[]; failedRows: RuntimeUpsert[] };
  const outcomes: (Settled<RegisterResponse> | Accepted)[] = items.map((item) => {
    if (!workspaces.has(item.workspaceId)) {
      return { ok: false, error: new AppError('WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound) };
    }
    const refusal = refusalOf(item, profiles);
    if (refusal) {
      return { ok: false, error: refusal };
    }
    return {
      rows: item.runtimes.map((entry) =>
        toUpsert(
          item,
          entry,
          entry.profileId ? (profiles.get(entry.profileId)?.protocolFamily ?? null) : null,
        ),
      ),
      failedRows: recordableFailures(item, profiles, log).map(({ failed, profile }) =>
        toFailedUpsert(item, failed, profile),
      ),
    };
  });

  const accepted = outcomes.flatMap((o) => ('rows' in o ? [...o.rows, ...o.failedRows] : []));
  const written = [
    ...(await tx.registrations.upsertBuiltIn(
      mergeAndSort(accepted.filter((r) => r.profileId === null)),
    )),
    ...(await tx.registrations.upsertCustom(
      mergeAndSort(accepted.filter((r) => r.profileId !== null)),
    )),
  ];
  const byKey = new Map(written.map((runtime) => [conflictKey(runtime), runtime]));
  const rowFor = (row: RuntimeUpsert): AgentRuntime => {
    const runtime = byKey.get(conflictKey(row));
    if (!runtime) {
      throw new Error('an upserted row was not returned');
    }
    return runtime;
  };

  const merges: LegacyMerge[] = [];
  items.forEach((item, i) => {
    const outcome = outcomes[i];
    const legacy = item.legacyDaemonIds.map((id) => id.trim()).filter((id) => id !== '');
    if (outcome && 'rows' in outcome && legacy.length > 0) {
      for (const row of outcome.rows.filter((r) => r.profileId === null)) {
        const runtime = rowFor(row);
        merges.push({
          runtimeId: runtime.id,
          workspaceId: runtime.workspaceId,
          provider: runtime.provider,
          legacyDaemonIds: legacy,
        });
      }
    }
  });
  await tx.registrations.mergeLegacy(
    merges,
    written.map((r) => r.id),
  );

  const results: Settled<RegisterResponse>[] = [];
  const events: DomainEvent[] = [];
  for (const [item, outcome] of zip(items, outcomes)) {
    if (!('rows' in outcome)) {
      results.push(outcome);
      continue;
    }
    const workspace = workspaces.get(item.workspaceId);
    const { repos, reposVersion } = reposOf(workspace?.repos);
    const runtimes = outcome.rows.map((row) => toAgentRuntimeJson(rowFor(row)));
    const failedIds = outcome.failedRows.map((row) => rowFor(row).id);
    events.push(
      buildEvent('runtime.registered', item.workspaceId, actorOf(item), {
        daemon_id: item.daemonId,
        runtime_ids: [...new Set([...runtimes.map((r) => r.id), ...failedIds])],
      }),
    );
    results.push({
      ok: true,
      value: {
        runtimes,
        repos,
        repos_version: reposVersion,
        settings: workspace?.settings ?? null,
      },
    });
  }
  // One statement for the whole batch: a round trip per registration would dominate the flush.
  await tx.outbox.append(...events);
  return results;
}

/** Pairs two arrays of the same length. */
function zip<A, B>(left: A[], right: B[]): [A, B][] {
  return left.flatMap((a, i) => {
    const b = right[i];
    return b === undefined ? [] : [[a, b] as [A, B]];
  });
}

/** Who a registration's event names: the member who registered, or the daemon. */
export function actorOf(payload: RuntimeRegisterPayload): EventActor {
  return payload.ownerId
    ? { type: 'member', id: payload.ownerId }
    : { type: 'daemon', id: payload.daemonId };
}
