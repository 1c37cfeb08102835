import { describe, expect, it } from 'vitest';
import { FetchStatus, isAuthError } from '../../src/ingress/fetch-status.js';

const at = (start: Date, minutes: number): Date => new Date(start.getTime() + minutes * 60_000);

describe('when fetching counts as stalled', () => {
  it('a follower is never stalled: fetching is the leader\'s job', () => {
    const s = new FetchStatus('imap:a@h:143/INBOX', false);
    s.failed('boom', true);
    expect(s.stallReason(15, at(new Date(), 60))).toBeUndefined();
  });

  it('a leader that fails for the stall time is stalled, naming the last error', () => {
    const s = new FetchStatus('imap:a@h:143/INBOX', true);
    const t0 = new Date();
    s.succeeded(t0);
    s.failed('connect ECONNREFUSED 10.0.0.1:143', false, at(t0, 1));
    expect(s.stallReason(15, at(t0, 10))).toBeUndefined();
    expect(s.stallReason(15, at(t0, 16))).toMatch(/^fetching imap:a@h:143\/INBOX has failed for 16 min \(last success .*; last error: connect ECONNREFUSED/);
  });

  it('refused credentials are a stall at once', () => {
    const s = new FetchStatus('m', true);
    s.failed('Authentication failed', true);
    expect(s.stallReason(15)).toBe('IMAP authentication failed for m: Authentication failed');
  });

  it('a success clears the failure, and a new leader gets the full stall time', () => {
    const s = new FetchStatus('m', false);
    const t0 = new Date();
    s.setLeader(true);
    expect(s.stallReason(15, at(t0, 14))).toBeUndefined();
    expect(s.stallReason(15, at(t0, 16))).toContain('no successful pass yet');
    s.succeeded(at(t0, 16));
    expect(s.snapshot()).toMatchObject({ failingSince: undefined, lastError: undefined, isAuthFailure: false });
    expect(s.stallReason(15, at(t0, 17))).toBeUndefined();
  });

  it('recognises imapflow\'s authentication failure', () => {
    expect(isAuthError(Object.assign(new Error('Command failed'), { authenticationFailed: true }))).toBe(true);
    expect(isAuthError(new Error('ECONNREFUSED'))).toBe(false);
  });
});
