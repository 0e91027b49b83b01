import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/** Version stamped on every log line. */
export const SERVICE_VERSION = '0.1.0';

/**
 * A pino JSON logger with `{ service, version }` on every line. Authorization headers and
 * cookies are redacted wherever they appear, so a logged request never leaks a token.
 */
export function createLogger(service: string, level: LogLevel): Logger {
  return pino({
    level,
    base: { service, version: SERVICE_VERSION },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.token',
        'token',
      ],
      censor: '[redacted]',
    },
  });
}
