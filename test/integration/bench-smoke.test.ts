import { describe, expect, it } from 'vitest';
import { runNode } from '../support/cli.js';

/**
 * `npm run bench` kept working: a tiny run on its own real stack (Dovecot, OpenSMTPD, PostgreSQL)
 * must end with one JSON line carrying the contract's keys. Not a timed test: the figures of a
 * 30-message run on a shared CI machine say nothing, only that every phase ran to the end.
 */
const CONTRACT_KEYS = [
  'backlog',
  'throughput_msgs_per_s',
  'baseline_msgs_per_s',
  'throughput_ratio',
  'latency_p50_ms',
  'latency_p99_ms',
  'idle_floor_ms',
  'attachment_bytes',
  'rss_peak_over_idle_bytes',
  'scaling_ratio',
];

describe('npm run bench (smoke)', () => {
  it('runs every phase on a tiny backlog and prints a table, then the contract JSON as its last line', async () => {
    const res = await runNode(['--import', 'tsx', 'bench/run.ts'], { env: { ...process.env, BENCH_BACKLOG: '30', BENCH_LATENCY_SECONDS: '2', BENCH_ATTACHMENT_MB: '1', BENCH_IDLE_ROUNDS: '3', BENCH_PG_SECONDS: '0.5' } });
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(res.stdout).toContain('raw baseline');
    const result = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    for (const key of CONTRACT_KEYS) expect(result, key).toHaveProperty(key);
    expect(result['backlog']).toBe(30);
    expect(result['attachment_bytes']).toBe(1024 * 1024);
    // Every request of the backlog was acknowledged and the stack delivered each acknowledgment.
    expect(result['acks_accepted']).toBe(result['acks_expected']);
    expect(result['acks_delivered']).toBe(result['acks_expected']);
    for (const key of CONTRACT_KEYS) expect(typeof result[key], key).toBe('number');
  }, 300_000);
});
