/** Longest slug derived from a name, before any `-N` suffix. */
export const MAX_SLUG_BASE_LENGTH = 48;

/**
 * A URL-safe slug for a workspace name: lowercase ASCII letters and digits separated by single
 * hyphens ("Acme Corp." → `acme-corp`). Accents are dropped; a name with nothing usable gives
 * `workspace`.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG_BASE_LENGTH)
    .replace(/^-+|-+$/g, '');
  return slug || 'workspace';
}

/** The `attempt`-th candidate for a slug: the base first, then `base-2`, `base-3`, ... */
export function slugCandidate(base: string, attempt: number): string {
  return attempt <= 1 ? base : `${base}-${attempt}`;
}
