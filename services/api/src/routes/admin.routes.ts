import { AdminLoginBody, AppError, MESSAGES } from '@cp/contracts';
import express, { type Request, type Response, Router } from 'express';
import { operatorOfToken, requireOperator } from '../http/auth';
import { DASHBOARD_PATH, lazyDashboard, type QueueHandle } from '../http/dashboard';
import { readJsonBody } from '../http/json-body';
import { routeTemplate } from '../http/metrics';
import {
  type AdminSessions,
  clearedSessionCookie,
  sessionCookie,
  type SessionCookieOptions,
} from '../http/session';
import type { AuthService } from '../services/auth.service';

/** What the admin routes need. */
export interface AdminRoutesDeps {
  auth: AuthService;
  sessions: AdminSessions;
  cookie: SessionCookieOptions;
  /** The queues the dashboard shows; read on its first request (tests build apps without them). */
  queues: () => QueueHandle[];
}

const parseForm = express.urlencoded({ extended: false, limit: '4kb' });

function readFormBody(req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parseForm(req, res, (err?: Error) => (err ? reject(err) : resolve(req.body)));
  });
}

const isForm = (req: Request): boolean => req.is('application/x-www-form-urlencoded') !== false;

/**
 * The token of a login: the bearer header, else the `token` field of a JSON body or an HTML
 * form. Anything else is 401 `missing authorization header`.
 */
async function loginToken(req: Request, res: Response): Promise<string> {
  const header = req.get('authorization');
  if (header !== undefined) {
    if (!header.startsWith('Bearer ')) {
      throw new AppError('UNAUTHENTICATED', MESSAGES.invalidAuthorizationFormat);
    }
    return header.slice('Bearer '.length).trim();
  }
  const body = isForm(req) ? await readFormBody(req, res) : await readJsonBody(req, res);
  const parsed = AdminLoginBody.safeParse(body);
  if (!parsed.success) {
    throw new AppError('UNAUTHENTICATED', MESSAGES.missingAuthorization);
  }
  return parsed.data.token;
}

const LOGIN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Queue dashboard: sign in</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }
label, input, button { display: block; width: 100%; box-sizing: border-box; }
input { margin: .5rem 0 1rem; padding: .5rem; font-family: monospace; }
button { padding: .5rem; }
</style>
</head>
<body>
<h1>Queue dashboard</h1>
<p>Sign in with an operator's personal token (<code>mul_...</code>; grant operator rights with
<code>npm run admin -- grant-operator --user &lt;id&gt;</code>).</p>
<form method="post" action="/admin/login">
<label for="token">Operator token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;

/**
 * The queue dashboard and its login:
 *
 * - `GET /admin/login`: a sign-in form.
 * - `POST /admin/login`: an operator's personal token (bearer header, JSON `{"token"}` or form
 *   field `token`) sets the session cookie: 204, or 303 to the dashboard for a form. No or a
 *   bad token: 401; a user who is not an operator: 403.
 * - `POST /admin/logout`: clears the cookie (204, or 303 to the form).
 * - `/admin/queues`: bull-board on the `registry` and `cascade` queues, for operators (the
 *   session cookie or an operator's bearer token).
 */
export function adminRoutes(deps: AdminRoutesDeps): Router {
  const router = Router();
  const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

  router.get('/admin/login', (_req, res) => {
    noStore(res)
      .set(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      )
      .type('html')
      .send(LOGIN_PAGE);
  });

  router.post('/admin/login', async (req, res) => {
    const owner = await operatorOfToken(deps.auth, await loginToken(req, res));
    noStore(res).append(
      'Set-Cookie',
      sessionCookie(deps.sessions.issue(owner), deps.sessions.ttlMs, deps.cookie),
    );
    if (isForm(req)) {
      res.redirect(303, DASHBOARD_PATH);
    } else {
      res.sendStatus(204);
    }
  });

  router.post('/admin/logout', (req, res) => {
    noStore(res).append('Set-Cookie', clearedSessionCookie(deps.cookie));
    if (isForm(req)) {
      res.redirect(303, '/admin/login');
    } else {
      res.sendStatus(204);
    }
  });

  router.use(
    DASHBOARD_PATH,
    routeTemplate(DASHBOARD_PATH),
    requireOperator(deps.auth, deps.sessions),
    lazyDashboard(deps.queues),
  );
  return router;
}
