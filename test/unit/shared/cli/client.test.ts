import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointUrl, listAll } from '../../../../shared/cli/client.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server answering GET paths from a table, recording what was asked. */
async function serve(pages: Record<string, unknown>): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const body = pages[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

describe('the URL of an API call', () => {
  it('keeps the path prefix of the control plane URL (an API Gateway stage)', () => {
    expect(endpointUrl('https://api.example.org/prod', '/bursts').href).toBe(
      'https://api.example.org/prod/bursts',
    );
    expect(endpointUrl('https://api.example.org/prod/', '/bursts?cursor=a').href).toBe(
      'https://api.example.org/prod/bursts?cursor=a',
    );
    expect(endpointUrl('http://127.0.0.1:8080', '/plan').href).toBe('http://127.0.0.1:8080/plan');
  });
});

describe('reading a list from the control plane', () => {
  it('reads the {bursts} answer of GET /bursts', async () => {
    const { url } = await serve({ '/bursts': { bursts: [{ id: 'b-1' }, { id: 'b-2' }] } });
    expect(await listAll({ url }, '/bursts', 'bursts')).toEqual([{ id: 'b-1' }, { id: 'b-2' }]);
  });

  it('reads a plain array', async () => {
    const { url } = await serve({ '/bursts': [{ id: 'b-1' }] });
    expect(await listAll({ url }, '/bursts', 'bursts')).toEqual([{ id: 'b-1' }]);
  });

  it('follows next links and cursors across pages until there is none', async () => {
    const { url, asked } = await serve({
      '/bursts': { items: [{ id: 'b-1' }], next: '/bursts?cursor=abc' },
      '/bursts?cursor=abc': { items: [{ id: 'b-2' }], next: 'x y' },
      '/bursts?cursor=x%20y': { items: [{ id: 'b-3' }], next: null },
    });
    expect(await listAll({ url }, '/bursts', 'bursts')).toEqual([
      { id: 'b-1' },
      { id: 'b-2' },
      { id: 'b-3' },
    ]);
    expect(asked).toEqual(['/bursts', '/bursts?cursor=abc', '/bursts?cursor=x%20y']);
  });

  it('says so when the answer holds no list', async () => {
    const { url } = await serve({ '/bursts': { something: 'else' } });
    await expect(listAll({ url }, '/bursts', 'bursts')).rejects.toThrow(
      'unexpected answer: no list of bursts',
    );
  });
});
