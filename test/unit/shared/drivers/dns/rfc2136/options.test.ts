import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../../shared/config/load-config.ts';
import { Rfc2136OptionsSchema } from '../../../../../../shared/drivers/dns/rfc2136/options.ts';
import { Rfc2136Dns } from '../../../../../../shared/drivers/dns/rfc2136/rfc2136.ts';
import { ConfigError } from '../../../../../../shared/errors.ts';

const SECRET = 'c3VwZXItc2VjcmV0LXRzaWcta2V5LW1hdGVyaWFsIQ==';
const valid = { server: '127.0.0.1', zone: 'example.org', keyName: 'clusterburst-key', keySecret: SECRET };

/** The rfc2136 options as the configuration loads them (the runtime's only way in). */
function parseRfc2136Options(options: object) {
  return loadConfig({ value: { dns: { driver: 'rfc2136', options } } }).dns.options;
}

describe('rfc2136 options', () => {
  it('fills in the defaults: port 53, hmac-sha256, batches of 50, fudge 300, TCP', () => {
    expect(parseRfc2136Options(valid)).toEqual({
      ...valid,
      port: 53,
      keyAlgorithm: 'hmac-sha256',
      batchSize: 50,
      timeoutMs: 10_000,
      fudge: 300,
      transport: 'tcp',
    });
  });

  it.each([
    [{ keyAlgorithm: 'hmac-md5' }, 'dns.options.keyAlgorithm'],
    [{ port: 70_000 }, 'dns.options.port'],
    [{ zone: 'not a zone' }, 'dns.options.zone: must be a DNS name'],
    [{ keySecret: 'not base64!' }, 'dns.options.keySecret: must be base64'],
    [{ keySecret: 'c2hvcnQ=' }, 'dns.options.keySecret: must decode to at least 16 bytes'],
    [{ batchSize: 0 }, 'dns.options.batchSize'],
  ])('refuses %o naming the field', (change, message) => {
    expect(() => parseRfc2136Options({ ...valid, ...change })).toThrow(ConfigError);
    expect(() => parseRfc2136Options({ ...valid, ...change })).toThrow(message);
  });

  it('never puts the secret in a validation error, even when the secret is the bad field', () => {
    const secret = `${SECRET}#`;
    const error = (() => {
      try {
        parseRfc2136Options({ ...valid, keySecret: secret, port: 'x' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
  });

  it('never shows the secret when the driver is printed or inspected', () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse({ ...valid, port: 5353 }));
    expect(String(dns)).toBe('rfc2136 127.0.0.1:5353 zone example.org key "clusterburst-key"');
    expect(inspect(dns, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(JSON.stringify(dns)).not.toContain(SECRET);
  });
});
