import { describe, expect, it } from 'vitest';
import { MemoryGateway } from '../../../../../shared/drivers/gateway/memory.ts';
import { runGatewayContract } from '../../../../support/contracts/gateway.ts';

runGatewayContract('memory', async () => {
  const shared = new Map();
  return {
    gateway: new MemoryGateway(),
    backend: 'web',
    target: async () => ({ address: '127.0.0.1', port: 9 }),
    forOwner: (owner) => new MemoryGateway({ owner, servers: shared }),
  };
});

describe('memory gateway', () => {
  it('refuses to remove a server with open connections unless forced', async () => {
    const gw = new MemoryGateway();
    const ref = { backend: 'web', server: 'cb-1', burstId: 'b-1', address: '127.0.0.1', port: 9 };
    await gw.add(ref);
    gw.setConnections(ref, 3);
    await expect(gw.remove(ref)).rejects.toThrow(/3 connections/);
    await gw.remove(ref, { force: true });
    expect(await gw.listOwned()).toEqual([]);
  });
});
