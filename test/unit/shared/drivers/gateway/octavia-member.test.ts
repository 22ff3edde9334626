import { describe, expect, it } from 'vitest';
import type { Member } from '../../../../../shared/drivers/gateway/octavia-api.ts';
import {
  burstIdOf,
  enabledWeight,
  isOwnedBy,
  memberTags,
  stateOf,
} from '../../../../../shared/drivers/gateway/octavia-member.ts';

const member = (fields: Partial<Member>): Member => ({
  id: 'm1',
  name: 'cb-0a1b2c3d4e5f',
  address: '203.0.113.7',
  protocol_port: 443,
  weight: 1,
  admin_state_up: true,
  provisioning_status: 'ACTIVE',
  tags: memberTags('site-a', 'b-0a1b2c3d4e5f', 3),
  ...fields,
});

describe('octavia member', () => {
  it.each([
    ['added, admin down at its weight', { admin_state_up: false, weight: 3 }, 'disabled'],
    ['enabled', { admin_state_up: true, weight: 3 }, 'ready'],
    ['drained to weight 0', { admin_state_up: true, weight: 0 }, 'drain'],
    ['drained before it was ever enabled', { admin_state_up: false, weight: 0 }, 'drain'],
    ['left in ERROR by a failed amphora update', { provisioning_status: 'ERROR' }, 'maint'],
  ] as const)('reads a member %s as %s', (_what, fields, state) => {
    expect(stateOf(member(fields))).toBe(state);
  });

  it('is owned only by the installation named in its owner tag', () => {
    expect(isOwnedBy(member({}), 'site-a')).toBe(true);
    expect(isOwnedBy(member({}), 'site-b')).toBe(false);
    expect(isOwnedBy(member({ tags: ['clusterburst', 'clusterburst-burst=b-0a1b2c3d4e5f'] }), 'site-a')).toBe(
      false,
    );
    expect(isOwnedBy(member({ tags: null }), 'site-a')).toBe(false);
  });

  it('gives the burst id and the weight to restore from its tags, 1 when the weight tag is absent or bad', () => {
    expect(burstIdOf(member({}))).toBe('b-0a1b2c3d4e5f');
    expect(enabledWeight(member({}))).toBe(3);
    expect(enabledWeight(member({ tags: ['clusterburst-owner=site-a'] }))).toBe(1);
    expect(enabledWeight(member({ tags: ['clusterburst-weight=900'] }))).toBe(1);
  });
});
