import { describe, expect, it } from 'vitest';
import { LazyDriver } from '../../../../shared/runtime/lazy-driver.ts';

/** A driver that counts how often it was built and closed. */
function counted(options: { failFirst?: boolean } = {}) {
  const counts = { builds: 0, closes: 0 };
  let fail = options.failFirst ?? false;
  const lazy = new LazyDriver('test thing', async () => {
    counts.builds++;
    if (fail) {
      fail = false;
      throw new Error('not yet');
    }
    return {
      ping: async () => 'pong',
      close: async () => {
        counts.closes++;
      },
    };
  });
  return { lazy, counts };
}

describe('LazyDriver', () => {
  it('builds nothing until first asked, then once for every caller, concurrent ones included', async () => {
    const { lazy, counts } = counted();
    expect(counts.builds).toBe(0);
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    expect(a).toBe(b);
    expect(await (await lazy.get()).ping()).toBe('pong');
    expect(counts.builds).toBe(1);
  });

  it('forgets a failed build, so the next call tries again', async () => {
    const { lazy, counts } = counted({ failFirst: true });
    await expect(lazy.get()).rejects.toThrow('not yet');
    expect(await (await lazy.get()).ping()).toBe('pong');
    expect(counts.builds).toBe(2);
  });

  it('closes a driver it built, and never builds one only to close it', async () => {
    const used = counted();
    await used.lazy.get();
    await used.lazy.close();
    expect(used.counts).toEqual({ builds: 1, closes: 1 });
    const unused = counted();
    await unused.lazy.close();
    expect(unused.counts).toEqual({ builds: 0, closes: 0 });
  });

  it('refuses calls after close rather than building again', async () => {
    const { lazy, counts } = counted();
    await lazy.get();
    await lazy.close();
    await expect(lazy.get()).rejects.toThrow(/test thing driver is closed/);
    expect(counts.builds).toBe(1);
  });
});
