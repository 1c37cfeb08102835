import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/** The parts of an Amazon SES notification (SNS over e-mail) that screening and bounceDetails read. */
export interface SesNotification {
  /** notificationType (or eventType): Bounce, Complaint, Delivery, … */
  type: string;
  recipients: { address: string; status?: string; reason?: string; action?: string }[];
  /** The headers SES kept of the mail it sent, lower-cased names, first value. */
  originalHeaders: Record<string, string>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads the JSON body of an Amazon SES notification: either the bare SES message or the SNS
 * envelope ({"Type":"Notification","Message":"{…}"}). MTAs that wrap long lines at 998 octets
 * insert "!" + line break + space; that is undone first.
 */
export function readSesNotification(text: string): SesNotification | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  let data = parseJson(text.slice(start, end + 1).replace(/!\r?\n /g, ''));
  if (isObject(data) && typeof data['Message'] === 'string') data = parseJson(data['Message']);
  if (!isObject(data)) return undefined;
  const type = str(data['notificationType']) ?? str(data['eventType']);
  if (type === undefined) return undefined;

  const recipients: SesNotification['recipients'] = [];
  const bounce = data['bounce'];
  if (isObject(bounce) && Array.isArray(bounce['bouncedRecipients'])) {
    for (const r of bounce['bouncedRecipients']) {
      if (!isObject(r) || !str(r['emailAddress'])) continue;
      const reason = str(r['diagnosticCode']);
      recipients.push({
        address: str(r['emailAddress'])!.toLowerCase(),
        ...(str(r['status']) ? { status: str(r['status'])! } : {}),
        ...(reason ? { reason: reason.replace(/^\s*smtp\s*;\s*/i, '') } : {}),
        action: str(r['action']) ?? 'failed',
      });
    }
  }
  const complaint = data['complaint'];
  if (isObject(complaint) && Array.isArray(complaint['complainedRecipients'])) {
    for (const r of complaint['complainedRecipients']) {
      if (isObject(r) && str(r['emailAddress'])) recipients.push({ address: str(r['emailAddress'])!.toLowerCase(), reason: str(complaint['complaintFeedbackType']) ?? 'complaint', action: 'complained' });
    }
  }
  const delivery = data['delivery'];
  if (isObject(delivery) && Array.isArray(delivery['recipients'])) {
    const response = str(delivery['smtpResponse']);
    const status = response ? /\b2\.\d{1,3}\.\d{1,3}\b/.exec(response)?.[0] : undefined;
    for (const r of delivery['recipients']) {
      if (str(r)) recipients.push({ address: str(r)!.toLowerCase(), ...(status ? { status } : {}), ...(response ? { reason: response } : {}), action: 'delivered' });
    }
  }

  const originalHeaders: Record<string, string> = {};
  const mail = data['mail'];
  if (isObject(mail) && Array.isArray(mail['headers'])) {
    for (const h of mail['headers']) {
      if (!isObject(h) || !str(h['name']) || typeof h['value'] !== 'string') continue;
      const name = str(h['name'])!.toLowerCase();
      if (!(name in originalHeaders)) originalHeaders[name] = h['value'];
    }
  }
  return { type, recipients, originalHeaders };
}

const KIND_OF_TYPE = { bounce: 'bounce', complaint: 'feedback-report', delivery: 'delivery-notice' } as const;

/**
 * Amazon SES bounce, complaint and delivery notifications sent by SNS as e-mail: a JSON body
 * from no-reply@sns.amazonaws.com with none of the usual DSN markers.
 */
export const sesNotification: ScreenCheck = (mail) => {
  const fromSns = header(mail, 'x-amz-sns-message-id') !== undefined || /@sns\.amazonaws\.com$/.test(mail.from?.address ?? '');
  if (!fromSns) return undefined;
  const note = readSesNotification(mail.text);
  if (!note) return undefined;
  const kind = KIND_OF_TYPE[note.type.toLowerCase() as keyof typeof KIND_OF_TYPE] ?? 'auto-reply';
  return { kind, reason: `Amazon SES notification via SNS (notificationType ${note.type})` };
};
