/** This daemon's version, sent as `cli_version` and in `User-Agent`. */
export const DAEMON_VERSION = '0.1.0';
