import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/** Version stamped on every log line. */
export const SERVICE_VERSION = '0.1.0';

/**
 * A pino JSON logger with `{ service, version }` on every line. Authorization headers and
 * cookies are redacted wherever they appear, so a logged request never leaks a token.
 * Lines go to stdout unless `destination` says otherwise (tests capture them).
 */
export function createLogger(
  service: string,
  level: LogLevel,
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
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
  };
  return destination ? pino(options, destination) : pino(options);
}
