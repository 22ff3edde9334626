import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import { HaproxyGateway } from '../../../../../shared/drivers/gateway/haproxy.ts';
import { HaproxyGatewayOptionsSchema } from '../../../../../shared/drivers/gateway/haproxy-options.ts';
import { ConfigError, DriverError, ValidationError } from '../../../../../shared/errors.ts';

// Nothing listens here: a test that reached the socket would fail with "unreachable" instead.
const offline = () =>
  new HaproxyGateway(HaproxyGatewayOptionsSchema.parse({ runtime: '/nonexistent/clusterburst/admin.sock' }));
const spec = {
  backend: 'web',
  server: 'cb-0a1b2c3d4e5f',
  burstId: 'b-0a1b2c3d4e5f',
  address: '203.0.113.7',
  port: 443,
};

describe('haproxy gateway options', () => {
  it('names the invalid field when the configuration loads', () => {
    const load = (options: unknown) => () =>
      loadConfig({ value: { gateway: { driver: 'haproxy', options } } });
    expect(load({ runtime: '' })).toThrow(ConfigError);
    expect(load({ runtime: '' })).toThrow(/gateway\.options\.runtime/);
    expect(load({ runtime: '/s', check: { interMs: 5 } })).toThrow(/gateway\.options\.check\.interMs/);
  });

  it('refuses a runtime address that is neither a socket path nor host:port when the configuration loads', () => {
    expect(() =>
      loadConfig({ value: { gateway: { driver: 'haproxy', options: { runtime: 'haproxy-host' } } } }),
    ).toThrow(/gateway\.options\.runtime: must be a socket path \(\/run\/haproxy\.sock\) or host:port/);
  });
});

describe('haproxy gateway ownership and input checks (before any I/O)', () => {
  const foreign = { backend: 'web', server: 'home-1' };

  it.each([
    ['add', (gw: HaproxyGateway) => gw.add({ ...spec, ...foreign })],
    ['enable', (gw: HaproxyGateway) => gw.enable(foreign)],
    ['drain', (gw: HaproxyGateway) => gw.drain(foreign)],
    ['connections', (gw: HaproxyGateway) => gw.connections(foreign)],
    ['remove', (gw: HaproxyGateway) => gw.remove(foreign, { force: true })],
  ])('%s refuses a server without the cb- prefix', async (_name, call) => {
    const error = await call(offline()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/not a clusterburst server/),
    });
  });

  it.each([
    ['a space', { server: 'cb-x del server web/home' }],
    ['a semicolon', { backend: 'web;shutdown sessions server web/home' }],
    ['a line break', { server: 'cb-x\ndisable frontend fe' }],
  ])('rejects a name with %s, which would inject a runtime command', async (_what, override) => {
    await expect(offline().add({ ...spec, ...override })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      offline().remove({ backend: spec.backend, server: spec.server, ...override }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects an out-of-range port or weight', async () => {
    await expect(offline().add({ ...spec, port: 70_000 })).rejects.toThrow(/port/);
    await expect(offline().add({ ...spec, weight: 300 })).rejects.toThrow(/weight/);
  });

  it('reports an unreachable runtime API as retryable', async () => {
    await expect(offline().listOwned()).rejects.toMatchObject({ retryable: true });
  });
});
