import type { MemberRole } from '@cp/contracts';
import type { Logger } from '@cp/platform';
import type { Principal } from '../services/auth.service';

/** A caller's membership of the workspace named in the URL. */
export interface Membership {
  workspaceId: string;
  userId: string;
  role: MemberRole;
}

declare global {
  // Express reads `res.locals` through this interface; ours adds what the middlewares set.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      log: Logger;
      principal?: Principal;
      membership?: Membership;
      /** The route template of the mount that took the request (metrics labels). */
      routeBase?: string;
    }
  }
}

export {};
