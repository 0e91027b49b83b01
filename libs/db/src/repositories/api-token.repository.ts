import type { ApiTokenKind } from '@cp/contracts';
import { type EntityManager, IsNull } from 'typeorm';
import { ApiToken } from '../entities';
import { runSql } from '../sql';
import { generateToken, hashToken } from '../tokens';

/** What to issue: a personal token for a user, or a daemon token for a workspace. */
export type NewApiToken =
  | { kind: 'pat'; userId: string; createdBy?: string | null }
  | { kind: 'daemon'; workspaceId: string; userId?: string | null; createdBy?: string | null };

/** An issued token: the plain value (shown once, never stored) and its row. */
export interface IssuedToken {
  token: string;
  row: ApiToken;
}

/** Personal and daemon tokens. Only hashes are stored. */
export class ApiTokenRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Generates a token of the given kind and stores its hash. */
  async issue(input: NewApiToken): Promise<IssuedToken> {
    const kind: ApiTokenKind = input.kind;
    const token = generateToken(kind);
    const row = await this.manager.getRepository(ApiToken).save(
      this.manager.create(ApiToken, {
        kind,
        tokenHash: hashToken(token),
        userId: input.userId ?? null,
        workspaceId: input.kind === 'daemon' ? input.workspaceId : null,
        createdBy: input.createdBy ?? null,
      }),
    );
    return { token, row };
  }

  /** The token row with this hash, revoked or not, or null. */
  async findByHash(tokenHash: string): Promise<ApiToken | null> {
    return this.manager.findOneBy(ApiToken, { tokenHash });
  }

  /** Whether the token with this id exists and is not revoked. */
  async isLive(tokenId: string): Promise<boolean> {
    return this.manager.existsBy(ApiToken, { id: tokenId, revokedAt: IsNull() });
  }

  /**
   * Records a use, at most once per `minIntervalSeconds` per token: the UPDATE matches only when
   * the last recorded use is older, so concurrent requests write at most once.
   */
  async touchLastUsed(tokenId: string, minIntervalSeconds: number): Promise<void> {
    await runSql(
      this.manager,
      `UPDATE api_token SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
      [tokenId, minIntervalSeconds],
    );
  }

  /** Revokes a token. Returns false when it does not exist or was already revoked. */
  async revoke(tokenId: string): Promise<boolean> {
    const result = await runSql(
      this.manager,
      `UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [tokenId],
    );
    return (result.affected ?? 0) > 0;
  }
}
