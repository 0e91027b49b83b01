import type { IncomingMessage } from 'node:http';
import express, { type Request, type Response } from 'express';

/** JSON bodies above this get 413. */
export const BODY_LIMIT = '256kb';

/**
 * An empty body is a decode failure, as it is for upstream's JSON decoder (body-parser alone
 * would read it as `{}`, so an empty PATCH would pass as an update).
 */
function rejectEmptyBody(_req: IncomingMessage, _res: unknown, buf: Buffer): void {
  if (buf.length === 0) {
    throw Object.assign(new Error('empty request body'), { type: 'entity.parse.failed' });
  }
}

const parseJson = express.json({ limit: BODY_LIMIT, verify: rejectEmptyBody });

/**
 * Reads the request's JSON body where the handler decodes it, so upstream's order holds: a
 * route's authentication, role and path checks answer before a malformed, empty or oversized
 * body does. Resolves to the parsed body (`undefined` for no body or another content type);
 * rejects with body-parser's error, which the error middleware maps to 400 or 413.
 */
export function readJsonBody(req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parseJson(req, res, (err?: Error) => {
      if (err) {
        reject(err);
      } else {
        resolve(req.body);
      }
    });
  });
}
