import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../../../shared/drivers/store/sqlite.ts';
import { runStoreContract } from '../../../../support/contracts/store.ts';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-sqlite-'));
  const path = join(dir, 'state.db');
  return {
    store: new SqliteStore(path),
    second: async () => new SqliteStore(path),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
