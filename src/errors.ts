/**
 * Errors that reach a user carry a stable code and one line of text (plus an optional hint),
 * so the CLI can print them without a stack trace and exit 2 (imapflow/nodemailer style).
 */
export type DeskmailErrorCode =
  | 'CONFIG'
  | 'USAGE'
  | 'NOT_FOUND'
  | 'TEMPLATE'
  | 'DATABASE'
  | 'TEMPORARY';

export class DeskmailError extends Error {
  readonly code: DeskmailErrorCode;
  readonly hint: string | undefined;

  constructor(code: DeskmailErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'DeskmailError';
    this.code = code;
    this.hint = hint;
  }

  /** The one line the CLI prints. */
  toLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isDeskmailError(err: unknown): err is DeskmailError {
  return err instanceof DeskmailError;
}

/** Connection-level failures that a retry later may cure (database down, network reset). */
export function isTemporaryFailure(err: unknown): boolean {
  if (err instanceof DeskmailError) return err.code === 'TEMPORARY' || err.code === 'DATABASE';
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    // 40P01/40001: a deadlock or serialization failure between concurrent mails; retrying succeeds.
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P03', '08006', '08001', '08003', '40P01', '40001'].includes(code)
  );
}
