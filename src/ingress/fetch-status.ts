/**
 * How fetching from one mailbox is going, as the health check, the metrics and the stall alert see
 * it. The ingress reports each pass; nothing here touches the network.
 */
export interface FetchSnapshot {
  mailbox: string;
  /** True while this process holds the mailbox's leadership (only the leader fetches). */
  isLeader: boolean;
  lastSuccessAt: Date | undefined;
  /** When the current run of failures began; undefined while passes succeed. */
  failingSince: Date | undefined;
  lastError: string | undefined;
  /** The server refused our credentials: no retry will cure that by itself. */
  isAuthFailure: boolean;
}

export class FetchStatus {
  private state: FetchSnapshot;
  private leaderSince = new Date();

  constructor(mailbox: string, isLeader: boolean) {
    this.state = { mailbox, isLeader, lastSuccessAt: undefined, failingSince: undefined, lastError: undefined, isAuthFailure: false };
  }

  snapshot(): FetchSnapshot {
    return { ...this.state };
  }

  succeeded(at = new Date()): void {
    this.state = { ...this.state, lastSuccessAt: at, failingSince: undefined, lastError: undefined, isAuthFailure: false };
  }

  failed(message: string, isAuthFailure: boolean, at = new Date()): void {
    this.state = { ...this.state, failingSince: this.state.failingSince ?? at, lastError: message, isAuthFailure };
  }

  setLeader(isLeader: boolean): void {
    // A new leader's clock starts now: the time it spent following is no stall of its own.
    this.state = { ...this.state, isLeader, ...(isLeader ? { failingSince: undefined, lastError: undefined, isAuthFailure: false } : {}) };
    if (isLeader) this.leaderSince = new Date();
  }

  /**
   * Why fetching counts as stalled, or undefined when it does not: authentication refused, or no
   * successful pass for `stallMinutes` (counted from the last success, or from taking the lead).
   */
  stallReason(stallMinutes: number, now = new Date()): string | undefined {
    const s = this.state;
    if (!s.isLeader) return undefined;
    if (s.isAuthFailure) return `IMAP authentication failed for ${s.mailbox}: ${s.lastError ?? 'refused'}`;
    const since = s.lastSuccessAt && s.lastSuccessAt > this.leaderSince ? s.lastSuccessAt : this.leaderSince;
    const minutes = (now.getTime() - since.getTime()) / 60_000;
    if (minutes < stallMinutes) return undefined;
    const last = s.lastSuccessAt ? `last success ${s.lastSuccessAt.toISOString()}` : 'no successful pass yet';
    return `fetching ${s.mailbox} has failed for ${Math.floor(minutes)} min (${last}${s.lastError ? `; last error: ${s.lastError}` : ''})`;
  }
}

/** imapflow marks refused credentials with `authenticationFailed`. */
export function isAuthError(err: unknown): boolean {
  return (err as { authenticationFailed?: unknown } | null)?.authenticationFailed === true;
}
