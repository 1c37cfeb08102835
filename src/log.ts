import { pino, type Logger } from 'pino';

export type { Logger };

/** Replace the password in any URL-looking text, so secrets never reach a log line. */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]*)@/gi, '$1***@');
}

/**
 * The one logger factory. It is created once at the edge (CLI) and handed in to whoever needs it.
 * Keys that may carry secrets are censored, and every string passes through redactSecrets.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
      base: undefined,
      redact: {
        paths: ['password', 'pass', '*.password', '*.pass', 'auth.pass', 'config.imapUrl', 'config.smtpUrl', 'config.databaseUrl'],
        censor: '***',
      },
      formatters: {
        log(object) {
          return JSON.parse(redactSecrets(JSON.stringify(object))) as Record<string, unknown>;
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that discards everything (tests, one-shot commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
