import { describe, expect, it } from 'vitest';
import { MemoryDns } from '../../../../../shared/drivers/dns/memory.ts';
import { runDnsContract } from '../../../../support/contracts/dns.ts';

runDnsContract('memory', async () => {
  const foreign = { name: 'www.burst.example.test', type: 'A' as const, ttl: 300, values: ['192.0.2.1'] };
  const dns = new MemoryDns({ foreign: [foreign] });
  return {
    dns,
    zone: 'burst.example.test',
    foreign,
    lookup: async (name, type) =>
      dns
        .records()
        .find((r) => r.name === name && r.type === type)
        ?.values.slice() ?? [],
  };
});

describe('memory dns', () => {
  it('records every change it applied', async () => {
    const dns = new MemoryDns();
    await dns.apply({
      changes: [
        {
          action: 'create',
          record: { name: 'a.x', type: 'A', ttl: 1, values: ['127.0.0.1'], owner: 'o', burstId: 'b' },
        },
      ],
    });
    expect(dns.log.map((l) => `${l.action} ${l.name}`)).toEqual(['create a.x']);
  });
});
