import { describe, expect, it } from 'vitest';
import { retryContended } from '../../../../../shared/drivers/store/contention.ts';

class Lost extends Error {}
const lost = (error: unknown) => error instanceof Lost;

describe('retryContended', () => {
  it('tries again after a lost race and returns what the winning attempt returned', async () => {
    let attempts = 0;
    const result = await retryContended(
      async () => {
        attempts++;
        if (attempts < 3) throw new Lost();
        return 'written';
      },
      { attempts: 5, lost, exhausted: () => new Error('gave up') },
    );
    expect([result, attempts]).toEqual(['written', 3]);
  });

  it('throws the exhausted error once every attempt lost', async () => {
    let attempts = 0;
    const run = retryContended(
      async () => {
        attempts++;
        throw new Lost();
      },
      { attempts: 3, lost, exhausted: () => new Error('admission kept conflicting') },
    );
    await expect(run).rejects.toThrow('admission kept conflicting');
    expect(attempts).toBe(3);
  });

  it('passes any other error through at once', async () => {
    let attempts = 0;
    const run = retryContended(
      async () => {
        attempts++;
        throw new Error('forbidden');
      },
      { attempts: 3, lost, exhausted: () => new Error('gave up') },
    );
    await expect(run).rejects.toThrow('forbidden');
    expect(attempts).toBe(1);
  });
});
