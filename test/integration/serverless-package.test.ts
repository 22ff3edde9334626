import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS, HTTP_ROUTES, SCHEDULE_FUNCTIONS } from '../../functions/catalog.ts';
import { readZip } from '../support/zip-entries.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

type Resource = { Type: string; Properties: Record<string, unknown> };
let out: string;
let resources: Record<string, Resource>;

/** The logical id a `{ 'Fn::GetAtt': [id, 'Arn'] }` or `{ Ref: id }` points at. */
const target = (value: unknown): string => {
  const v = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  return v['Fn::GetAtt']?.[0] ?? v.Ref ?? '';
};
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
const handlerOf = (name: string) => resources[functionId(name)]!.Properties.Handler as string;

/** EventBridge rules targeting a function, with their pattern, bus and schedule. */
function rulesOf(name: string) {
  return ofType('AWS::Events::Rule')
    .map(([, r]) => r.Properties)
    .filter((p) => (p.Targets as { Arn: unknown }[]).some((t) => target(t.Arn) === functionId(name)));
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'clusterburst-sls-'));
  await run('bash', [join(ROOT, 'scripts/serverless-package.sh'), 'ci', out], {
    cwd: ROOT,
    timeout: 240_000,
  });
  const template = JSON.parse(
    readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as {
    Resources: Record<string, Resource>;
  };
  resources = template.Resources;
}, 300_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('serverless package (osls, offline)', () => {
  it('runs every function on nodejs22.x', () => {
    const runtimes = ofType('AWS::Lambda::Function').map(([, r]) => r.Properties.Runtime);
    // Every event and schedule function, plus capacityAlarm (HTTP and CloudWatch) and manualBurst.
    expect(runtimes).toHaveLength(EVENT_FUNCTIONS.length + SCHEDULE_FUNCTIONS.length + 3);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
  });

  it('routes every HTTP route of the functions through the HTTP API to the function that serves it', () => {
    const integrations = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, target(r.Properties.IntegrationUri)]),
    );
    const routes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route').map(([, r]) => {
        const integration = (r.Properties.Target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1];
        return [r.Properties.RouteKey as string, integrations[target(integration)]];
      }),
    );
    const expected = Object.fromEntries(
      HTTP_ROUTES.map((route) => [
        `${route.method} ${route.path}`,
        route.path.startsWith('/alerts') ? 'CapacityAlarmLambdaFunction' : 'ManualBurstLambdaFunction',
      ]),
    );
    expect(routes).toEqual(expected);
  });

  it.each(EVENT_FUNCTIONS.map((fn) => [fn.name, fn.events] as const))(
    'subscribes %s to %j lifecycle events on the stage bus',
    (name, events) => {
      expect(rulesOf(name)).toEqual([
        expect.objectContaining({
          EventBusName: { Ref: 'LifecycleBus' },
          EventPattern: { source: ['clusterburst.lifecycle'], 'detail-type': [...events] },
        }),
      ]);
      expect(handlerOf(name)).toBe(`functions/lambda/${name}.handler`);
    },
  );

  it('sends CloudWatch alarm state changes on the default bus to the alarm handler', () => {
    const [rule] = rulesOf('capacityAlarmCloudWatch');
    expect(rule?.EventBusName).toBeUndefined();
    expect(rule?.EventPattern).toMatchObject({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
    });
    expect(handlerOf('capacityAlarmCloudWatch')).toBe('functions/lambda/capacityAlarm.cloudWatchHandler');
  });

  it('runs the cron functions on their schedules', () => {
    const schedules = Object.fromEntries(
      SCHEDULE_FUNCTIONS.map((fn) => [fn.name, rulesOf(fn.name).map((r) => r.ScheduleExpression)]),
    );
    expect(schedules).toEqual({
      clusterHealth: ['rate(1 minute)'],
      scaleDown: ['rate(5 minutes)'],
      reconcile: ['rate(5 minutes)'],
    });
  });

  it('grants events:PutEvents on the stage bus only and no wildcard action on a wildcard resource', () => {
    const statements = ofType('AWS::IAM::Role').flatMap(([, r]) =>
      (
        r.Properties.Policies as {
          PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement),
    );
    for (const s of statements) {
      const actions = [s.Action].flat();
      const wildResource = [s.Resource].flat().some((r) => r === '*');
      expect(actions.some((a) => a === '*' || a.endsWith(':*')) && wildResource).toBe(false);
    }
    const putEvents = statements.filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(putEvents.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['LifecycleBus', 'Arn'] }]);
    expect(resources.LifecycleBus?.Properties).toEqual({ Name: 'clusterburst-ci' });
  });

  /** Every IAM statement of the functions' role. */
  type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
  const statements = (): Statement[] =>
    ofType('AWS::IAM::Role').flatMap(([, r]) =>
      (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement,
      ),
    );
  /** The API actions a driver's source calls through the AWS SDK v3 (`new XxxCommand(`). */
  const sdkActions = (file: string, service: string) =>
    [...readFileSync(join(ROOT, file), 'utf8').matchAll(/new (\w+)Command\(/g)].map(
      (m) => `${service}:${m[1]}`,
    );

  it.each([
    ['eks', 'shared/drivers/provider/eks.ts'],
    ['route53', 'shared/drivers/dns/route53.ts'],
  ])('grants the %s driver exactly the API actions it calls, each on named resources', (service, file) => {
    const granted = statements().filter((s) => [s.Action].flat().some((a) => a.startsWith(`${service}:`)));
    const actions = new Set(granted.flatMap((s) => [s.Action].flat()));
    expect([...actions].sort()).toEqual([...new Set(sdkActions(file, service))].sort());
    // Only the listing of cluster names has no resource-level permission in IAM.
    const onAnything = granted.filter((s) => [s.Resource].flat().includes('*'));
    expect(onAnything.flatMap((s) => [s.Action].flat())).toEqual(
      service === 'eks' ? ['eks:ListClusters'] : [],
    );
  });

  it('lets the eks driver create, change and delete only what carries this installation as owner tag', () => {
    const owner = { StringEquals: { 'aws:RequestTag/clusterburst.io/owner': 'clusterburst-ci' } };
    const owned = { StringEquals: { 'aws:ResourceTag/clusterburst.io/owner': 'clusterburst-ci' } };
    const writes = [
      'eks:CreateCluster',
      'eks:CreateNodegroup',
      'eks:DeleteCluster',
      'eks:DeleteNodegroup',
      'eks:TagResource',
    ];
    for (const s of statements().filter((st) => [st.Action].flat().some((a) => writes.includes(a)))) {
      expect([owner, owned], s.Sid).toContainEqual(s.Condition);
    }
    const passRole = statements().find((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(JSON.stringify(passRole?.Resource)).toMatch(
      /role\/clusterburst-eks-cluster.*role\/clusterburst-eks-node/,
    );
  });

  it('ships the HTTP functions with mandatory credentials: the starter configuration and its token', () => {
    for (const name of ['capacityAlarm', 'manualBurst']) {
      const fn = resources[functionId(name)]!.Properties as {
        Environment?: { Variables?: Record<string, unknown> };
      };
      expect(fn.Environment?.Variables?.CLUSTERBURST_TOKEN, name).toEqual(expect.any(String));
      const shipped = readZip(readFileSync(join(ROOT, 'dist/lambda', `${name}.zip`))).find(
        (f) => f.name === 'clusterburst.yaml',
      );
      expect(shipped?.data.toString('utf8'), name).toMatch(
        /auth: \{ bearerToken: "env:CLUSTERBURST_TOKEN" \}/,
      );
    }
  });

  it('ships each function as a zip holding its handler file, its ESM marker and the configuration', () => {
    for (const [id, r] of ofType('AWS::Lambda::Function')) {
      const handler = r.Properties.Handler as string;
      const file = handler.slice(0, handler.lastIndexOf('.'));
      const zipName = `${file.split('/').at(-1)}.zip`;
      const names = readZip(readFileSync(join(ROOT, 'dist/lambda', zipName))).map((f) => f.name);
      expect(names, id).toEqual(expect.arrayContaining([`${file}.js`, 'clusterburst.yaml', 'package.json']));
    }
  });

  it('exports the handler each function names from its bundle', async () => {
    const script = `
      const names = JSON.parse(process.env.HANDLERS);
      const found = {};
      for (const [file, exp] of names) {
        const mod = await import(process.env.BUILD + '/' + file + '.js');
        found[file + '.' + exp] = typeof mod[exp];
      }
      console.log(JSON.stringify(found));`;
    const handlers = ofType('AWS::Lambda::Function').map(([, r]) => {
      const h = r.Properties.Handler as string;
      return [h.slice(0, h.lastIndexOf('.')), h.slice(h.lastIndexOf('.') + 1)];
    });
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, HANDLERS: JSON.stringify(handlers), BUILD: join(ROOT, 'dist/lambda/build') },
      timeout: 60_000,
    });
    const found = JSON.parse(stdout) as Record<string, string>;
    expect(Object.values(found)).toEqual(handlers.map(() => 'function'));
  });
});
