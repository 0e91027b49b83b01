import { PROTOCOL_FAMILIES } from '@cp/contracts';
import { createTestDatabase, type TestDatabase } from '@cp/testing';

describe('runtime_profile_protocol_family_check', () => {
  let sut: TestDatabase;
  beforeAll(async () => {
    sut = await createTestDatabase();
  });
  afterAll(async () => {
    await sut.drop();
  });

  it('allows exactly the families of @cp/contracts, in the same order', async () => {
    const rows = await sut.dataSource.query<{ def: string }[]>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conname = 'runtime_profile_protocol_family_check'`,
    );
    expect(rows).toHaveLength(1);
    const def = rows[0]?.def ?? '';
    const inCheck = [...def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]);
    expect(inCheck).toEqual([...PROTOCOL_FAMILIES]);
  });
});
