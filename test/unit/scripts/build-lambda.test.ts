import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLambda } from '../../../scripts/build-lambda.ts';

describe('building the Lambda packages', () => {
  it('refuses a configuration without server.auth before building anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-build-'));
    try {
      const file = join(dir, 'site.yaml');
      writeFileSync(
        file,
        'store: { driver: kubernetes }\nbus: { driver: eventbridge, options: { busName: cb-test } }\n',
      );
      await expect(buildLambda({ config: file })).rejects.toThrow(
        /site\.yaml: configuration server\.auth: a cloud deployment needs a bearerToken or basic credentials/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
