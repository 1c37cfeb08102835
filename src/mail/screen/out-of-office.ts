import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/**
 * How out-of-office and vacation replies begin their subject, in the languages we meet. Each
 * needs its colon (or to be the whole subject): "Out of office on Friday, printer broken" is a
 * person, "Out of Office: Printer broken" is not.
 */
const VACATION_PREFIXES = [
  'automatic reply', 'auto reply', 'autoreply', 'auto-reply', 'auto response', 'autoresponse', 'out of office', 'out of the office',
  'out of office reply', 'out of office autoreply', 'ooo', 'away from the office', 'on vacation', 'vacation reply',
  'abwesenheitsnotiz', 'automatische antwort', 'abwesend', 'nicht im büro',
  'réponse automatique', 'reponse automatique', 'absence du bureau', 'absent du bureau',
  'respuesta automática', 'respuesta automatica', 'fuera de la oficina',
  'automatisch antwoord', 'afwezig',
  'risposta automatica', 'fuori sede', 'fuori ufficio', 'risposta non al computer',
  'autosvar', 'automatisk svar', 'frånvaro', 'fravær',
  'automaattinen vastaus', 'poissa', 'automatyczna odpowiedź', 'resposta automática', 'resposta automatica',
  'automatická odpověď', 'automatikus válasz', 'автоматический ответ', 'автоответ', 'otomatik yanıt',
  '自動返信', '自動応答', '自动回复', '自動回覆', '자동 회신',
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const VACATION_SUBJECT = new RegExp(`^(?:${VACATION_PREFIXES.map(escape).join('|')})\\s*(?:[:：]|$)`, 'iu');

/**
 * Out-of-office replies: Exchange's (X-Auto-Response-Suppress: All together with
 * X-MS-Exchange-Inbox-Rules-Loop, as Zammad's out_of_office_check reads them — neither alone
 * is enough, see auto-reply.ts) and the subject every vacation responder writes.
 */
export const outOfOffice: ScreenCheck = (mail) => {
  const suppress = header(mail, 'x-auto-response-suppress');
  const rulesLoop = header(mail, 'x-ms-exchange-inbox-rules-loop');
  if (suppress !== undefined && /\b(all|oof)\b/i.test(suppress) && rulesLoop !== undefined) {
    return { kind: 'auto-reply', reason: `Exchange out-of-office (X-Auto-Response-Suppress: ${suppress}, X-MS-Exchange-Inbox-Rules-Loop: ${rulesLoop})` };
  }
  const subject = mail.subject.trim();
  if (VACATION_SUBJECT.test(subject)) return { kind: 'auto-reply', reason: `out-of-office subject "${subject.slice(0, 80)}"` };
  return undefined;
};
