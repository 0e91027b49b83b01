import { createCloser } from './lifecycle';

describe(createCloser.name, () => {
  it('closes everything recorded, newest first, awaiting each', async () => {
    const closed: string[] = [];
    const sut = createCloser();
    sut.add(() => closed.push('pool'));
    sut.add(async () => {
      await Promise.resolve();
      closed.push('redis');
    });
    sut.add(() => closed.push('relay'));

    await sut.close();

    expect(closed).toEqual(['relay', 'redis', 'pool']);
  });

  it('closes each thing once, however often it is called', async () => {
    let closes = 0;
    const sut = createCloser();
    sut.add(() => closes++);

    await sut.close();
    await sut.close();

    expect(closes).toBe(1);
  });
});
