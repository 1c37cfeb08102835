import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Replace the password in any URL-looking text, so secrets never reach a log line. The userinfo
 * runs to the LAST "@" of the authority (as URL parsers read it), so an unencoded address as user
 * name or an "@" inside the password cannot push the password out of reach.
 */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** An Error as a plain object (JSON.stringify would give {}), its text cleaned of secrets. */
function safeError(err: Error): Record<string, unknown> {
  return { type: err.name, message: redactSecrets(err.message), ...(err.stack ? { stack: redactSecrets(err.stack) } : {}) };
}

function scrub(value: unknown): unknown {
  return JSON.parse(redactSecrets(JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? safeError(v) : v)))) as unknown;
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
          return scrub(object) as Record<string, unknown>;
        },
      },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args;
          // An Error logged directly would reach the output with its raw message: turn it into fields.
          const cleaned: unknown[] = first instanceof Error ? [{ err: safeError(first) }, redactSecrets(first.message), ...rest] : args;
          method.apply(this, cleaned.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>);
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
