import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('operating settings: health server, stall alert, outbox lease', () => {
  it('health is off unless HEALTH_PORT is set; the stall time is 15 min; the lease 120 s', () => {
    expect(loadConfig({})).toMatchObject({ health: undefined, fetchStallMinutes: 15, adminAddress: undefined, outboxLeaseSeconds: 120 });
  });

  it('HEALTH_PORT binds to loopback unless HEALTH_HOST says otherwise', () => {
    expect(loadConfig({ HEALTH_PORT: '9090' }).health).toEqual({ port: 9090, host: '127.0.0.1' });
    expect(loadConfig({ HEALTH_PORT: '9090', HEALTH_HOST: '0.0.0.0' }).health).toEqual({ port: 9090, host: '0.0.0.0' });
  });

  it.each([
    [{ HEALTH_PORT: 'http' }, 'HEALTH_PORT must be a port number (0 picks a free one), got: http'],
    [{ HEALTH_PORT: '70000' }, 'HEALTH_PORT must be a port number (0 picks a free one), got: 70000'],
    [{ FETCH_STALL_MINUTES: '0' }, 'FETCH_STALL_MINUTES must be a positive number, got: 0'],
    [{ ADMIN_ADDRESS: 'ops' }, 'ADMIN_ADDRESS is not an email address: ops'],
    [{ OUTBOX_LEASE_SECONDS: '1.5' }, 'OUTBOX_LEASE_SECONDS must be a positive whole number, got: 1.5'],
  ])('a bad setting is one line naming it: %o', (env, line) => {
    expect(() => loadConfig(env)).toThrow(line);
  });
});
