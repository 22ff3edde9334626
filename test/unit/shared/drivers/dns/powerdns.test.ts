import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import { PowerDns } from '../../../../../shared/drivers/dns/powerdns.ts';
import { PowerDnsOptionsSchema } from '../../../../../shared/drivers/dns/powerdns-options.ts';
import { ConfigError } from '../../../../../shared/errors.ts';

const API_KEY = 'pdns-api-key-that-must-stay-private';

describe('powerdns options', () => {
  it.each([
    [{ apiUrl: 'ftp://127.0.0.1:8081' }, 'dns.options.apiUrl'],
    [{ zone: 'not a zone' }, 'dns.options.zone: must be a DNS name'],
    [{ apiKey: '' }, 'dns.options.apiKey'],
    [{ serverId: 'local/host' }, 'dns.options.serverId'],
  ])('refuses %o when the configuration loads, naming the field and never the API key', (change, message) => {
    const options = { apiUrl: 'http://127.0.0.1:8081', apiKey: API_KEY, zone: 'example.org', ...change };
    const load = () => loadConfig({ value: { dns: { driver: 'powerdns', options } } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
    expect(() => load()).not.toThrow(API_KEY);
  });

  it('never shows the API key when the driver is printed, serialised or inspected', () => {
    const dns = new PowerDns(
      PowerDnsOptionsSchema.parse({
        apiUrl: 'http://127.0.0.1:8081/',
        apiKey: API_KEY,
        zone: 'Example.org.',
      }),
    );
    expect(String(dns)).toBe('powerdns http://127.0.0.1:8081 zone example.org');
    expect(JSON.stringify(dns)).not.toContain(API_KEY);
    expect(inspect(dns, { depth: 10, showHidden: true })).not.toContain(API_KEY);
  });

  it('refuses a record outside its zone before calling the API', async () => {
    const dns = new PowerDns(
      PowerDnsOptionsSchema.parse({ apiUrl: 'http://127.0.0.1:1', apiKey: API_KEY, zone: 'example.org' }),
    );
    const record = {
      name: 'web.example.com',
      type: 'A' as const,
      ttl: 30,
      values: ['192.0.2.1'],
      owner: 'o',
      burstId: 'b',
    };
    await expect(dns.apply({ changes: [{ action: 'create', record }] })).rejects.toThrow(
      'outside zone example.org',
    );
  });
});
