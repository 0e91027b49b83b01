import { MAX_SLUG_BASE_LENGTH, slugCandidate, slugify } from './slug';

describe(slugify.name, () => {
  it.each([
    ['Acme Corp.', 'acme-corp'],
    ['  Demo  ', 'demo'],
    ['Équipe Café', 'equipe-cafe'],
    ['a -- b__c', 'a-b-c'],
    ['Team 42', 'team-42'],
    ['!!!', 'workspace'],
    ['日本', 'workspace'],
  ])('turns %j into %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('caps the length without leaving a trailing hyphen', () => {
    const slug = slugify(`${'a'.repeat(MAX_SLUG_BASE_LENGTH - 1)} tail`);

    expect(slug).toBe('a'.repeat(MAX_SLUG_BASE_LENGTH - 1));
  });
});

describe(slugCandidate.name, () => {
  it('tries the base first, then numbered suffixes', () => {
    expect([1, 2, 3].map((attempt) => slugCandidate('acme', attempt))).toEqual([
      'acme',
      'acme-2',
      'acme-3',
    ]);
  });
});
