#!/usr/bin/env node
// The `clusterburst` command: runs the TypeScript CLI through tsx, wherever it is called from.
import { register } from 'tsx/esm/api';

register();
await import('../shared/cli/main.ts');
