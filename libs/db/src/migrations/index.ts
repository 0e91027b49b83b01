import { Baseline1764806400000 } from './1764806400000-baseline';
import { RuntimeProfile1764806400120 } from './1764806400120-runtime-profile';
import { ProviderPartialUnique1764806400121 } from './1764806400121-provider-partial-unique';
import { ProfileDeletionMark1764806400200 } from './1764806400200-profile-deletion-mark';
import { ApiTokens1764806400201 } from './1764806400201-api-tokens';
import { EventOutbox1764806400202 } from './1764806400202-event-outbox';

/**
 * Every migration, in order. Never edit a merged migration: add a new one. A test checks that
 * this list matches the files in this folder.
 */
export const MIGRATIONS = [
  Baseline1764806400000,
  RuntimeProfile1764806400120,
  ProviderPartialUnique1764806400121,
  ProfileDeletionMark1764806400200,
  ApiTokens1764806400201,
  EventOutbox1764806400202,
];
