import type { MemberRole } from '@cp/contracts';
import { type Db, hashToken, tokenHashesEqual, tokenKindOf } from '@cp/db';
import type { Logger } from '@cp/platform';
import { TtlCache } from './ttl-cache';

/** Who is calling: a user (personal token) or a daemon (daemon token bound to one workspace). */
export type Principal =
  | { kind: 'user'; userId: string; tokenId: string }
  | {
      kind: 'daemon';
      workspaceId: string;
      tokenId: string;
      /** The user the daemon token was issued for, if any (the owner of what it registers). */
      userId: string | null;
      /** Who created the daemon token: private profiles of that user are visible to it. */
      createdBy: string | null;
    };

/** What the token lookup found: a live principal, or why the token does not authenticate. */
export type TokenCheck = { ok: true; principal: Principal } | { ok: false };

export interface AuthOptions {
  /** How long a lookup is trusted (revocation takes effect within this window). */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  /** `last_used_at` is written at most this often per token. */
  touchIntervalSeconds: number;
}

/**
 * Resolves bearer tokens and memberships, with a short in-process cache so the hot path (daemon
 * registrations) rarely touches the database. Tokens are looked up by SHA-256, never stored or
 * logged in plain.
 */
export class AuthService {
  private readonly tokens: TtlCache<string, TokenCheck>;
  private readonly roles: TtlCache<string, MemberRole | null>;
  private readonly operators: TtlCache<string, boolean>;
  private readonly liveTokens: TtlCache<string, boolean>;
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly opts: AuthOptions,
    private readonly log: Logger,
  ) {
    this.tokens = new TtlCache(opts.cacheTtlMs, opts.cacheMaxEntries);
    this.roles = new TtlCache(opts.cacheTtlMs, opts.cacheMaxEntries);
    this.operators = new TtlCache(opts.cacheTtlMs, opts.cacheMaxEntries);
    this.liveTokens = new TtlCache(opts.cacheTtlMs, opts.cacheMaxEntries);
  }

  /** Checks a plain bearer token. Unknown, revoked and malformed tokens all fail alike. */
  async authenticate(token: string): Promise<TokenCheck> {
    const hash = hashToken(token);
    let check = this.tokens.get(hash);
    if (!check) {
      check = await this.lookup(token, hash);
      this.tokens.set(hash, check);
    }
    if (check.ok) {
      this.touch(check.principal.tokenId);
    }
    return check;
  }

  /** The user's role in the workspace, or undefined for a non-member. */
  async roleOf(workspaceId: string, userId: string): Promise<MemberRole | undefined> {
    const key = `${workspaceId}:${userId}`;
    const cached = this.roles.get(key);
    if (cached !== undefined) {
      return cached ?? undefined;
    }
    const role = await this.db.members.findRole(workspaceId, userId);
    this.roles.set(key, role ?? null);
    return role;
  }

  /** Whether the user is an operator (`user.is_operator`); an unknown user is not. */
  async isOperator(userId: string): Promise<boolean> {
    let operator = this.operators.get(userId);
    if (operator === undefined) {
      operator = (await this.db.users.findById(userId))?.isOperator === true;
      this.operators.set(userId, operator);
    }
    return operator;
  }

  /** Whether token `tokenId` exists and is not revoked (a dashboard session's login token). */
  async isTokenLive(tokenId: string): Promise<boolean> {
    let live = this.liveTokens.get(tokenId);
    if (live === undefined) {
      live = await this.db.tokens.isLive(tokenId);
      this.liveTokens.set(tokenId, live);
    }
    return live;
  }

  private async lookup(token: string, hash: string): Promise<TokenCheck> {
    const kind = tokenKindOf(token);
    if (!kind) {
      return { ok: false };
    }
    const row = await this.db.tokens.findByHash(hash);
    if (!row || row.kind !== kind || row.revokedAt || !tokenHashesEqual(row.tokenHash, hash)) {
      return { ok: false };
    }
    if (row.kind === 'pat' && row.userId) {
      return { ok: true, principal: { kind: 'user', userId: row.userId, tokenId: row.id } };
    }
    if (row.kind === 'daemon' && row.workspaceId) {
      return {
        ok: true,
        principal: {
          kind: 'daemon',
          workspaceId: row.workspaceId,
          tokenId: row.id,
          userId: row.userId,
          createdBy: row.createdBy,
        },
      };
    }
    return { ok: false };
  }

  /** Records a use at most once per interval per token; never delays or fails the request. */
  private touch(tokenId: string): void {
    const now = Date.now();
    const last = this.lastTouched.get(tokenId) ?? 0;
    if (now - last < this.opts.touchIntervalSeconds * 1000) {
      return;
    }
    this.lastTouched.set(tokenId, now);
    if (this.lastTouched.size > this.opts.cacheMaxEntries) {
      this.lastTouched.clear();
    }
    this.db.tokens.touchLastUsed(tokenId, this.opts.touchIntervalSeconds).catch((err: unknown) => {
      this.log.warn({ err, tokenId }, 'could not record token use');
    });
  }
}
