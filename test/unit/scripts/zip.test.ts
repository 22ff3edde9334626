import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zip } from '../../../scripts/zip.ts';
import { readZip } from '../../support/zip-entries.ts';

describe('zip', () => {
  const entries = [
    { name: 'functions/provision.mjs', data: Buffer.from('export const handler = () => 1;\n'.repeat(50)) },
    { name: 'chunks/empty.mjs', data: Buffer.alloc(0) },
    { name: 'clusterburst.yaml', data: Buffer.from('bus: { driver: eventbridge }\n') },
  ];

  it('writes an archive whose files read back byte for byte, in order', () => {
    const files = readZip(zip(entries));
    expect(files.map((f) => f.name)).toEqual(entries.map((e) => e.name));
    files.forEach((f, i) => {
      expect(crc32(f.data)).toBe(crc32(entries[i]!.data));
      expect(f.data.equals(entries[i]!.data)).toBe(true);
    });
  });

  it('gives the same bytes for the same input, so an unchanged function is not redeployed', () => {
    expect(zip(entries).equals(zip(entries))).toBe(true);
  });

  it('compresses repetitive code', () => {
    expect(zip(entries.slice(0, 1)).length).toBeLessThan(entries[0]!.data.length / 4);
  });
});
