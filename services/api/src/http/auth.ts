import { AppError, isUuid, type MemberRole, MESSAGES } from '@cp/contracts';
import { secretsEqual } from '@cp/platform';
import type { Request, RequestHandler, Response } from 'express';
import type { AuthService, Principal } from '../services/auth.service';
import type { Membership } from './locals';
import { type AdminSessions, readCookie, SESSION_COOKIE, type SessionOwner } from './session';

/** Which credentials a route group accepts (spec §3.0): user routes take personal tokens only. */
export type AuthMode = 'user' | 'daemon';

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

/** The bearer token of a request, or the 401 upstream answers for a missing or malformed header. */
function bearerToken(req: Request): string {
  const header = req.get('authorization');
  if (!header) {
    throw unauthenticated(MESSAGES.missingAuthorization);
  }
  if (!header.startsWith('Bearer ')) {
    throw unauthenticated(MESSAGES.invalidAuthorizationFormat);
  }
  return header.slice('Bearer '.length).trim();
}

/**
 * Authenticates the bearer token and puts the principal in `res.locals.principal`.
 * `user` mode accepts personal tokens (`mul_`); `daemon` mode also daemon tokens (`mdt_`), and a
 * bad daemon token gets upstream's `invalid daemon token`.
 */
export function authenticate(auth: AuthService, mode: AuthMode): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req);
    const looksLikeDaemon = token.startsWith('mdt_');
    const check = await auth.authenticate(token);
    if (!check.ok || (mode === 'user' && check.principal.kind !== 'user')) {
      throw unauthenticated(
        mode === 'daemon' && looksLikeDaemon ? MESSAGES.invalidDaemonToken : MESSAGES.invalidToken,
      );
    }
    res.locals.principal = check.principal;
    next();
  };
}

/** The authenticated principal; a route mounted without `authenticate` is a programming error. */
export function principalOf(res: Response): Principal {
  const { principal } = res.locals;
  if (!principal) {
    throw new Error('route reached without authentication');
  }
  return principal;
}

/** The caller's membership; a route mounted without `requireMember` is a programming error. */
export function membershipOf(res: Response): Membership {
  const { membership } = res.locals;
  if (!membership) {
    throw new Error('route reached without a membership check');
  }
  return membership;
}

/**
 * Resolves the caller's membership of `workspaceId` (upstream's member middleware, in its order):
 * 400 `invalid workspace_id`, 401 for a caller that is not a user, 404 `workspace not found` for
 * a non-member.
 */
export async function resolveMembership(
  auth: AuthService,
  principal: Principal,
  rawWorkspaceId: string | undefined,
): Promise<Membership> {
  const workspaceId = (rawWorkspaceId ?? '').trim();
  if (workspaceId === '') {
    throw new AppError('VALIDATION_FAILED', MESSAGES.workspaceRequired);
  }
  if (!isUuid(workspaceId)) {
    throw new AppError('VALIDATION_FAILED', MESSAGES.invalidWorkspaceId);
  }
  if (principal.kind !== 'user') {
    throw unauthenticated(MESSAGES.userNotAuthenticated);
  }
  const normalised = workspaceId.toLowerCase();
  const role = await auth.roleOf(normalised, principal.userId);
  if (!role) {
    throw new AppError('WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound);
  }
  return { workspaceId: normalised, userId: principal.userId, role };
}

/** Member group: the `:workspaceId` URL param must name a workspace the caller belongs to. */
export function requireMember(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const params = req.params as Record<string, string | undefined>;
    res.locals.membership = await resolveMembership(auth, principalOf(res), params.workspaceId);
    next();
  };
}

/** Admin group: after `requireMember`, the role must be one of `roles` (403 otherwise). */
export function requireRole(...roles: MemberRole[]): RequestHandler {
  return (_req, res, next) => {
    if (!roles.includes(membershipOf(res).role)) {
      throw new AppError('FORBIDDEN', MESSAGES.insufficientPermissions);
    }
    next();
  };
}

/**
 * Upstream's daemon workspace access rule (spec §3.0): a daemon token must be bound to exactly
 * this workspace; a user must be a member. Anything else is 404 `not found`.
 */
export async function checkDaemonWorkspaceAccess(
  auth: AuthService,
  principal: Principal,
  workspaceId: string,
): Promise<MemberRole | undefined> {
  const notFound = new AppError('WORKSPACE_NOT_FOUND', MESSAGES.notFound);
  if (workspaceId === '') {
    throw notFound;
  }
  if (principal.kind === 'daemon') {
    if (principal.workspaceId !== workspaceId) {
      throw notFound;
    }
    return undefined;
  }
  if (!isUuid(workspaceId)) {
    throw notFound;
  }
  const role = await auth.roleOf(workspaceId.toLowerCase(), principal.userId);
  if (!role) {
    throw notFound;
  }
  return role;
}

/** 403 unless the user is an operator (`user.is_operator`, granted by the admin CLI). */
async function assertOperator(auth: AuthService, userId: string): Promise<void> {
  if (!(await auth.isOperator(userId))) {
    throw new AppError('FORBIDDEN', MESSAGES.insufficientPermissions);
  }
}

/**
 * The operator a plain personal token belongs to, and that token's id (the dashboard login).
 * @throws AppError 401 `invalid token` for an unknown, revoked or daemon token; 403 for a user
 *   who is not an operator.
 */
export async function operatorOfToken(auth: AuthService, token: string): Promise<SessionOwner> {
  const check = await auth.authenticate(token);
  if (!check.ok || check.principal.kind !== 'user') {
    throw unauthenticated(MESSAGES.invalidToken);
  }
  await assertOperator(auth, check.principal.userId);
  return { userId: check.principal.userId, tokenId: check.principal.tokenId };
}

/**
 * Operators only (the queue dashboard, `/metrics`): a bearer personal token of an operator, or,
 * without an `Authorization` header, a valid dashboard session cookie. No credentials, a bad
 * token, a forged or expired session, or one whose login token was revoked is 401; a user who
 * is not (or no longer) an operator is 403. Both are checked on every request, through the
 * auth cache (so they take effect within its few seconds).
 */
export function requireOperator(auth: AuthService, sessions: AdminSessions): RequestHandler {
  return async (req, res, next) => {
    if (req.get('authorization') !== undefined) {
      await operatorOfToken(auth, bearerToken(req));
    } else {
      const owner = sessions.verify(readCookie(req.get('cookie'), SESSION_COOKIE));
      if (owner === undefined) {
        throw unauthenticated(MESSAGES.missingAuthorization);
      }
      if (!(await auth.isTokenLive(owner.tokenId))) {
        throw unauthenticated(MESSAGES.invalidToken);
      }
      await assertOperator(auth, owner.userId);
    }
    next();
  };
}

/**
 * `/metrics`: the scrape token (`METRICS_TOKEN`, compared in constant time) when configured,
 * else as {@link requireOperator}.
 */
export function requireMetricsAccess(
  auth: AuthService,
  sessions: AdminSessions,
  scrapeToken: string | undefined,
): RequestHandler {
  const operator = requireOperator(auth, sessions);
  return (req, res, next) => {
    const header = req.get('authorization');
    if (
      scrapeToken !== undefined &&
      header?.startsWith('Bearer ') &&
      secretsEqual(header.slice('Bearer '.length).trim(), scrapeToken)
    ) {
      next();
      return;
    }
    return operator(req, res, next);
  };
}
