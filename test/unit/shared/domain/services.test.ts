import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import { eligibility, type ServiceLabels, serviceEligibility } from '../../../../shared/domain/services.ts';

/** Services and protection as a site writes them, defaults filled in by the configuration. */
function site(services: unknown[], protection: unknown = { allowedNamespaces: ['web', 'lab'] }) {
  return loadConfig({ value: { services, protection } });
}

const none = (service: string): ServiceLabels => ({ service, namespaceLabels: {}, workloadLabels: {} });

describe('which services burst (customer protection)', () => {
  it('bursts a service marked burstable in an allowed namespace with nothing labelled restricted', () => {
    const c = site([{ name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'web' }]);
    expect(serviceEligibility(c.services[0]!, c.protection, none('web'))).toMatchObject({ bursts: true });
  });

  it('keeps home a service not marked burstable, which is the default', () => {
    const c = site([{ name: 'web', hostname: 'web.example.org', namespace: 'web' }]);
    expect(serviceEligibility(c.services[0]!, c.protection, none('web'))).toEqual({
      service: 'web',
      bursts: false,
      why: 'not marked burstable',
    });
  });

  it('keeps home a burstable service whose workload lives in a namespace the configuration does not allow', () => {
    const c = site([
      {
        name: 'web',
        hostname: 'web.example.org',
        burstable: true,
        namespace: 'web',
        workloads: [{ namespace: 'patients', name: 'api' }],
      },
    ]);
    expect(serviceEligibility(c.services[0]!, c.protection, none('web')).why).toBe(
      'namespace patients is not in protection.allowedNamespaces',
    );
  });

  it('keeps home a service whose namespace is labelled restricted, whatever else the configuration says', () => {
    const c = site([{ name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'lab' }]);
    const labels = {
      ...none('web'),
      namespaceLabels: { lab: { 'clusterburst.io/restricted-data': 'true' } },
    };
    expect(serviceEligibility(c.services[0]!, c.protection, labels)).toMatchObject({
      bursts: false,
      why: 'namespace lab is labelled clusterburst.io/restricted-data=true (restricted data)',
    });
  });

  it('keeps home a service one of whose workloads is labelled restricted', () => {
    const c = site([{ name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'web' }]);
    const labels = {
      ...none('web'),
      workloadLabels: { 'web/Deployment/web': { 'clusterburst.io/restricted-data': 'genomes' } },
    };
    expect(serviceEligibility(c.services[0]!, c.protection, labels).why).toBe(
      'Deployment web/web is labelled clusterburst.io/restricted-data=genomes (restricted data)',
    );
  });

  it('matches the restricted label on its value when the configuration names one', () => {
    const c = site([{ name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'web' }], {
      allowedNamespaces: ['web'],
      restrictedLabel: { key: 'data-class', value: 'sensitive' },
    });
    const labelled = (value: string) => ({
      ...none('web'),
      namespaceLabels: { web: { 'data-class': value } },
    });
    expect(serviceEligibility(c.services[0]!, c.protection, labelled('public')).bursts).toBe(true);
    expect(serviceEligibility(c.services[0]!, c.protection, labelled('sensitive')).bursts).toBe(false);
  });

  it('keeps home a service whose labels the federation could not report', () => {
    const c = site([{ name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'web' }]);
    expect(serviceEligibility(c.services[0]!, c.protection, undefined)).toMatchObject({
      bursts: false,
      why: 'labels of its namespaces and workloads are unknown',
    });
  });

  it('lists the services that burst and says why each of the others does not', () => {
    const c = site([
      { name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'web' },
      { name: 'intranet', hostname: 'intranet.example.org', namespace: 'web' },
    ]);
    const { verdicts, eligible } = eligibility(c.services, c.protection, [none('web'), none('intranet')]);
    expect(eligible.map((s) => s.name)).toEqual(['web']);
    expect(verdicts.map((v) => [v.service, v.bursts])).toEqual([
      ['web', true],
      ['intranet', false],
    ]);
  });
});

describe('services in the configuration', () => {
  it('fills a short entry in: the Deployment and Service named like it, port 80, GET / expecting 200', () => {
    const [web] = site([{ name: 'web', hostname: 'web.example.org', namespace: 'web' }]).services;
    expect(web).toMatchObject({
      protocol: 'http',
      burstable: false,
      workloads: [{ namespace: 'web', kind: 'Deployment', name: 'web' }],
      expose: { kind: 'Service', namespace: 'web', name: 'web', port: 80 },
      health: { type: 'http', path: '/', expectStatus: 200 },
    });
  });

  it('checks a tcp service by connecting, and asks for its port', () => {
    expect(() => site([{ name: 'db', hostname: 'db.example.org', protocol: 'tcp' }])).toThrow(
      /services\.0\.expose\.port: a tcp service names its port/,
    );
    const [db] = site([
      { name: 'db', hostname: 'db.example.org', protocol: 'tcp', expose: { port: 5432 } },
    ]).services;
    expect(db?.health).toEqual({ type: 'tcp' });
  });

  it('refuses a service named twice, naming the field', () => {
    const web = { name: 'web', hostname: 'web.example.org' };
    expect(() => site([web, web])).toThrow(/services: service name "web" is used twice/);
  });

  it('bursts the embedded default service out of the box: burstable, in a namespace the default protection allows', () => {
    const c = loadConfig({ value: {} });
    expect(c.services.map((s) => s.name)).toEqual(['web']);
    expect(serviceEligibility(c.services[0]!, c.protection, none('web'))).toMatchObject({ bursts: true });
  });

  it('keeps a site service home by default until its namespace is allowed', () => {
    const c = loadConfig({
      value: { services: [{ name: 'web', hostname: 'w.example.org', burstable: true }] },
    });
    expect(serviceEligibility(c.services[0]!, c.protection, none('web')).why).toBe(
      'namespace default is not in protection.allowedNamespaces',
    );
  });
});
