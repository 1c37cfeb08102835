/**
 * Only the new part of a reply becomes the message body; the raw source keeps the rest.
 *
 * Plain text is read as lines: quoted (`>`), blank, or text. A reply ends at the first cut: our
 * own marker, a `-- ` signature, a device signature ("Sent from my iPhone", localized), an
 * underscore rule, an "-----Original Message-----" / forwarded-message separator, an Outlook
 * `From:/Sent:/To:/Subject:` block (localized), or an attribution ("On … wrote:", "Am … schrieb",
 * "… написал:", "2016-03-03 17:21 GMT+01:00 Name", also wrapped over several lines). An attribution
 * followed by a quote and then new text is an interleaved reply: the quote stays, the attribution
 * goes. An attribution at the very top means the reply is below it. Trailing quotes, blank lines
 * and rule lines are dropped last.
 *
 * Why our own rules: test/corpus/quotes.test.ts measures this against email-reply-parser on
 * ../shared/corpus and prints the table; no kept library reaches 95 % there (see its README).
 */
import { compile } from 'html-to-text';

export const REPLY_ABOVE_MARKER = '-- reply above this line --';

/** Alternation of literal words, longest first so that "envoyé le" wins over "envoyé". */
function words(list: string[]): string {
  return [...list]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'))
    .join('|');
}

// ---------------------------------------------------------------- vocabulary

/** "wrote" in the attribution lines of the clients we see (Gmail, Apple Mail, Outlook, Thunderbird…). */
const WROTE = [
  'wrote', 'writes', 'has written', 'a écrit', 'écrit', 'escribió', 'escribio', 'ha escrito', 'ha scritto', 'scrisse',
  'escreveu', 'schrieb', 'geschrieben', 'schreef', 'geschreven', 'skrev', 'skrifaði', 'kirjoitti', 'napisał(a)',
  'napisała', 'napisał', 'napisal', 'pisze', 'написал(а)', 'написала', 'написал', 'написав', 'пише', 'писал',
  'yazdı', 'írta', 'napsal', 'napsala', 'napísal', 'a scris', 'έγραψε', 'kirjutas', 'rašė', 'rakstīja',
  '写道', '寫道', 'のメッセージ', '작성',
];
const VERB_AT_END = new RegExp(`(?<![\\p{L}])(?:${words(WROTE)})\\s*[:：]?$`, 'iu');
/** "… schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:", "… skrev Test user <t@example.com>:". */
const VERB_THEN_COLON = new RegExp(`(?<![\\p{L}])(?:${words(WROTE)})(?![\\p{L}]).{1,120}[:：]$`, 'iu');
/** Words an attribution line starts with before its date. */
const OPENER = /^(?:On|Le|El|Il|In data|Em|Am|Op|Den|Dnia|W dniu|At|Quoting|Zitat von|Citando|Citation de|ср|пн|вт|чт|пт|сб|вс|在)(?=[\s,.])/u;
const DATE = /(?<!\d)(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}[:.h]\d{2}(?!\d)|(?:19|20)\d{2}(?!\d))/;
const ADDRESS_COLON = /(?:<[^<>\s]*@[^<>\s]*>|\(\s*[^()\s]*@[^()\s]*\s*\)|\[mailto:[^\]]+\]|[^\s<>()]+@[^\s<>()]+)\s*[:：]$/;
/** Old Gmail: "2016-03-03 17:21 GMT+01:00 Some One" (no "wrote", no address). */
const GMAIL_GMT = /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2} GMT[+-]\d{1,2}:\d{2}(?:\s|$)/;
/** "2013/7/20 sam via Discourse Meta <info@discourse.org>" */
const DATE_THEN_ADDRESS = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s.*<[^<>\s]+@[^<>\s]+>$/;

const FIELDS: Record<'from' | 'date' | 'to' | 'cc' | 'subject' | 'replyTo', string[]> = {
  from: ['from', 'de', 'von', 'van', 'da', 'fra', 'från', 'od', 'от', 'lähettäjä', 'kimden', 'feladó', 'frá', 'afsender', 'avsändare', 'remitente', 'absender', 'nadawca', 'від', 'expéditeur', 'mittente', '发件人', '寄件者', '差出人', '보낸 사람'],
  date: ['sent', 'date', 'envoyé', 'envoyé le', 'gesendet', 'datum', 'verzonden', 'inviato', 'data', 'enviado', 'enviada', 'enviado el', 'fecha', 'sendt', 'skickat', 'dato', 'wysłano', 'wysłane', 'отправлено', 'дата', 'lähetetty', 'päivämäärä', 'tarih', 'gönderildi', 'dátum', 'elküldve', 'message du', 'odesláno', '发送时间', '日期', '寄件日期', '送信日時', '날짜', '보낸 날짜'],
  to: ['to', 'à', 'a', 'an', 'aan', 'para', 'til', 'till', 'do', 'кому', 'vastaanottaja', 'kime', 'címzett', 'komu', 'destinataire', '收件人', '宛先', '받는 사람'],
  cc: ['cc', 'copie à', 'kopie', 'kopi', 'kopia', 'копия', 'másolat', '抄送', '副本'],
  subject: ['subject', 'objet', 'betreff', 'onderwerp', 'oggetto', 'asunto', 'assunto', 'emne', 'ämne', 'temat', 'тема', 'aihe', 'konu', 'tárgy', 'předmět', 'sujet', '主题', '主旨', '件名', '제목'],
  replyTo: ['reply-to', 'risposta', 'antwort an', 'responder a', 'répondre à'],
};
type Field = keyof typeof FIELDS;
const FIELD_RES = (Object.keys(FIELDS) as Field[]).map((field) => ({
  field,
  re: new RegExp(`^\\s*[*_]{0,2}\\s*(?:${words(FIELDS[field])})\\s*[*_]{0,2}\\s*[:：]`, 'iu'),
}));

/** "-----Original Message-----", "---------- Forwarded message ---------", localized. */
const SEPARATOR_PHRASES = [
  'original message', 'ursprüngliche nachricht', 'originalnachricht', 'mensaje original', "message d'origine",
  'message original', 'messaggio originale', 'oorspronkelijk bericht', 'origineel bericht', 'oprindelig besked',
  'oprindelig meddelelse', 'opprinnelig melding', 'originalmeddelande', 'ursprungligt meddelande',
  'alkuperäinen viesti', 'wiadomość oryginalna', 'oryginalna wiadomość', 'mensagem original', 'исходное сообщение',
  'původní zpráva', 'pôvodná správa', 'eredeti üzenet', 'orijinal mesaj', '原始邮件', '原始郵件', '元のメッセージ',
  'forwarded message', 'begin forwarded message', 'weitergeleitete nachricht', 'message transféré',
  'mensaje reenviado', 'messaggio inoltrato', 'doorgestuurd bericht', 'videresendt besked', 'videresendt melding',
  'vidarebefordrat meddelande', 'välitetty viesti', 'wiadomość przekazana', 'mensagem encaminhada',
  'пересылаемое сообщение', 'přeposlaná zpráva', '转发的邮件', '転送されたメッセージ',
];
const SEPARATOR = new RegExp(`^[\\s>*_=~-]*(?:${words(SEPARATOR_PHRASES)})[\\s*_=~:-]*$`, 'iu');

/** "Sent from my iPhone" and its relatives, after brackets and link targets are removed. */
const DEVICE_SIGNATURES: RegExp[] = [
  /^sent (?:from|via|with|using) (?:my |the |an? )?[^,;!?:]{1,50}(?:[,.] ?please excuse.*)?$/i,
  /^sent (?:by|on) (?:my )?(?:iphone|ipad|android|blackberry|galaxy|samsung|mobile|phone)\b[^,;:]{0,40}$/i,
  /^(?:from|sent from) my (?:iphone|ipad|android|mobile|phone|blackberry|samsung|galaxy|smartphone)[^,;:]{0,30}$/i,
  /^(?:get|download) (?:the )?outlook for (?:ios|android)$/i,
  /^envoy[ée] (?:de|depuis|à partir de|a partir de|avec|par|du|via) [^,;:]{1,50}$/i,
  /^(?:gesendet|versendet) (?:von|vom|mit|über|aus) [^,;:]{1,50}$/i,
  /^(?:diese nachricht wurde )?von meine[mr] [^,;:]{1,60} gesendet\.?$/i,
  /^enviad[oa] (?:desde|con|por|de|do|da|pelo|pela|via) [^,;:]{1,50}$/i,
  /^(?:obtener|obter o|scarica) outlook (?:para|per) (?:ios|android)$/i,
  /^inviato (?:da|dal|dalla|con|tramite) [^,;:]{1,50}$/i,
  /^(?:verzonden|verstuurd) (?:vanaf|van|met|vanuit|via) [^,;:]{1,50}$/i,
  /^outlook voor (?:ios|android) downloaden$/i,
  /^(?:sendt|skickat) (?:fra|från|med|via) [^,;:]{1,50}$/i,
  /^lähetetty [^,;:]{1,40}(?:sta|stä|lta|ltä)$/i,
  /^wysłan[eo] (?:z|ze|przez) [^,;:]{1,50}$/i,
  /^отправлено (?:с|из|через) [^,;:]{1,50}$/i,
  /^odesláno (?:z|ze) [^,;:]{1,50}$/i,
  /^trimis de pe [^,;:]{1,40}$/i,
  /^[^,;:]{1,30}['’]?(?:dan|den|tan|ten) gönderildi$/i,
  /^[^,;:]{1,30}から送信$/,
  /^(?:从|從)我的\s?[^,;:，。]{1,30}(?:发送|發送|傳送)$/,
  /^(?:发自|發自|寄自)我的\s?[^,;:，。]{1,30}$/,
  /^[^,;:]{1,30}에서 보냄$/,
];

const MARKER = /(?:reply|write|type|respond)[^\n]{0,30}above this line/i;

// ---------------------------------------------------------------- line tests

type Kind = 'blank' | 'quote' | 'text';

const isSignatureDash = (line: string): boolean => /^--[ \t\u00a0]*$/.test(line);
const isUnderscoreRule = (line: string): boolean => /^\s*_{2,}\s*$/.test(line);
/** A line of rule characters only: "----", "====", "***", Gmail's "ᐧ" tracker dot. */
const isRule = (line: string): boolean => /^\s*(?:[-_=*~#+•·—–]\s*){2,}$|^\s*ᐧ\s*$/.test(line);
const isMarker = (line: string): boolean => line.length <= 100 && MARKER.test(line);

export function isDeviceSignature(line: string): boolean {
  if (line.length > 300) return false;
  const bare = line
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // [Outlook for Android](https://…)
    .replace(/<(?:https?:|mailto:)[^>]*>/gi, '') // Outlook Mobile<https://…>
    .replace(/https?:\/\/\S+/gi, '')
    .trim()
    .replace(/^[(<[«"]+|[)>\]»".]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return bare.length > 0 && bare.length <= 100 && DEVICE_SIGNATURES.some((re) => re.test(bare));
}

function fieldOf(line: string): Field | undefined {
  return FIELD_RES.find(({ re }) => re.test(line))?.field;
}

/** The text of lines joined as one header would read, decorations and wrapping undone. */
function joined(lines: string[]): string {
  return lines
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ')
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/^[-*\s]+|[-*\s]+$/g, '')
    .replace(/<\s+/g, '<')
    .replace(/\s+>/g, '>')
    .replace(/\s+/g, ' ');
}

function isAttributionText(s: string): boolean {
  if (s.length > 320) return false;
  if (GMAIL_GMT.test(s) || DATE_THEN_ADDRESS.test(s)) return true;
  const datedOrAddressed = DATE.test(s) || s.includes('@');
  if (datedOrAddressed && (VERB_AT_END.test(s) || VERB_THEN_COLON.test(s))) return true;
  // "On Mon, Support wrote:" — an opener and the verb with its colon, no date or address needed.
  if (OPENER.test(s) && /[:：]\s*$/.test(s) && (VERB_AT_END.test(s) || VERB_THEN_COLON.test(s))) return true;
  return DATE.test(s) && ADDRESS_COLON.test(s);
}

/** An attribution's first line has an opener word ("On", "Am"…), a date, or an address. */
function mayOpenAttribution(line: string): boolean {
  const s = line.trim().replace(/^[-*\s]+/, '');
  return OPENER.test(s) || DATE.test(s) || s.includes('@') || s.includes('&lt;');
}

// ---------------------------------------------------------------- the reading of one mail

interface Header {
  kind: 'attribution' | 'block' | 'separator';
  end: number;
}

class Reading {
  readonly kinds: Kind[];
  readonly inCode: boolean[];
  private readonly interleaved = new Map<number, boolean>();

  constructor(readonly lines: string[]) {
    this.kinds = [];
    this.inCode = [];
    let code = false;
    for (const line of lines) {
      const fence = /^\s*(?:```|~~~)/.test(line);
      this.inCode.push(code || fence);
      if (fence) code = !code;
      if (line.trim() === '') this.kinds.push('blank');
      else if (!code && !fence && /^\s*(?:>|[A-Za-z]{1,3}>)/.test(line)) this.kinds.push('quote');
      else this.kinds.push('text');
    }
  }

  nextNonBlank(i: number): number {
    while (i < this.lines.length && this.kinds[i] === 'blank') i++;
    return i;
  }

  /**
   * Where the quote starting at i ends, exclusive: quoted lines, blank lines between them, and the
   * unquoted rest of a long quoted line that a client wrapped after quoting it.
   */
  quoteRunEnd(i: number): number {
    let end = i;
    for (let j = i; j < this.lines.length; j++) {
      const kind = this.kinds[j];
      if (kind === 'quote') end = j + 1;
      else if (kind === 'text') {
        if (this.kinds[j - 1] !== 'quote' || this.lines[j - 1]!.trim().length < 60) break;
        end = j + 1;
      }
    }
    return end;
  }

  /** An attribution, Outlook field block or separator starting at line i. */
  headerAt(i: number): Header | undefined {
    const line = this.lines[i]!;
    if (this.kinds[i] !== 'text' || this.inCode[i]) return undefined;
    if (SEPARATOR.test(line) && (/[-_=*]{2}/.test(line) || /forwarded message/i.test(line))) {
      const j = this.nextNonBlank(i + 1);
      const fields = j < this.lines.length && j - i <= 3 ? this.fieldRun(j) : undefined;
      return { kind: 'separator', end: fields?.end ?? i };
    }
    const block = this.blockEnd(i);
    if (block !== undefined) return { kind: 'block', end: block };
    const end = this.attributionEnd(i);
    return end === undefined ? undefined : { kind: 'attribution', end };
  }

  /** From:/Sent:/To:/Subject: (any order, localized, wrapped values allowed) starting at line i. */
  private blockEnd(i: number): number | undefined {
    const run = this.fieldRun(i);
    if (!run) return undefined;
    // Three fields, and either a Subject or a sender address: "From: Berlin / To: Paris" is a trip.
    const { end, fields, sender } = run;
    return fields.has('from') && fields.size >= 3 && (fields.has('subject') || sender) ? end : undefined;
  }

  /** The header fields starting at line i up to the next blank line, with the lines they wrap onto. */
  private fieldRun(i: number): { end: number; fields: Set<Field>; sender: boolean } | undefined {
    if (fieldOf(this.lines[i]!) === undefined) return undefined;
    const fields = new Set<Field>();
    let end = i;
    let sender = false;
    let continuation = 0;
    for (let j = i; j < this.lines.length && j < i + 10 && this.kinds[j] !== 'blank'; j++) {
      const field = fieldOf(this.lines[j]!);
      if (field) {
        fields.add(field);
        continuation = 0;
        if (field === 'from') sender ||= /@|mailto:|</.test(this.lines[j]!) || this.lines[j + 1]?.includes('@') === true;
      } else if (++continuation > 2) break;
      end = j;
    }
    return { end, fields, sender };
  }

  /** The last line of an attribution that starts at line i, when one does. */
  private attributionEnd(i: number): number | undefined {
    if (this.lines[i]!.length > 400 || !mayOpenAttribution(this.lines[i]!)) return undefined;
    for (let j = i; j < this.lines.length && j <= i + 4; j++) {
      if (j > i && this.kinds[j] === 'blank' && this.kinds[j - 1] === 'blank') return undefined;
      const tail = this.lines[j]!.trim();
      const mayEnd = /[:：>-]$/.test(tail) || VERB_AT_END.test(tail.slice(-40)) || (j === i && GMAIL_GMT.test(tail));
      if (!mayEnd || !isAttributionText(joined(this.lines.slice(i, j + 1)))) continue;
      // "I'll call at 10:30.\nOn Mon, … wrote:": the header starts on the later line. But
      // "On Nov 21, 2014,\nat 10:18,\nJohn <john@example.com> wrote:" is one header.
      const first = this.lines[i]!.trim();
      for (let k = i + 1; k <= j; k++) {
        const later = this.lines[k]!.trim();
        const laterStarts = /[.!?]$/.test(first) || (OPENER.test(later) && !OPENER.test(first));
        if (laterStarts && mayOpenAttribution(later) && isAttributionText(joined(this.lines.slice(k, j + 1)))) return undefined;
      }
      return j;
    }
    return undefined;
  }

  /** A line that ends the reply whatever follows: our marker, a signature, an underscore rule. */
  isCut(i: number): boolean {
    const line = this.lines[i]!;
    if (this.inCode[i]) return false;
    if (isMarker(line)) return true;
    return this.kinds[i] === 'text' && (isSignatureDash(line) || isUnderscoreRule(line) || isDeviceSignature(line));
  }

  /**
   * True when the mail goes on with new text after the quote that follows line `end` (an
   * attribution's last line). "On … wrote: > … On … wrote: > … text" chains; memoized, so a
   * mail of a thousand attributions is read once.
   */
  interleavedAfter(end: number): boolean {
    const chain: number[] = [];
    let result: boolean | undefined;
    for (let e = end; result === undefined; ) {
      result = this.interleaved.get(e);
      if (result !== undefined) break;
      chain.push(e);
      const j = this.nextNonBlank(e + 1);
      if (j >= this.lines.length || this.kinds[j] !== 'quote') result = false;
      else {
        const k = this.nextNonBlank(this.quoteRunEnd(j));
        if (k >= this.lines.length || this.kinds[k] !== 'text' || this.isCut(k)) result = false;
        else {
          const header = this.headerAt(k);
          if (!header) result = true;
          else if (header.kind !== 'attribution') result = false;
          else e = header.end;
        }
      }
    }
    for (const e of chain) this.interleaved.set(e, result);
    return result;
  }
}

/** Index of the first line of the new text, after any quote header the mail opens with. */
function replyStart(r: Reading): number | undefined {
  let start = r.nextNonBlank(0);
  for (let guard = 0; guard < 3 && start < r.lines.length; guard++) {
    const header = r.headerAt(start);
    if (!header) break;
    const next = r.nextNonBlank(header.end + 1);
    if (next < r.lines.length && r.kinds[next] === 'quote') {
      const after = r.nextNonBlank(r.quoteRunEnd(next));
      if (after >= r.lines.length) return undefined; // only a header and a quote
      start = after;
    } else {
      start = next;
    }
  }
  return start;
}

/** The new text of a plain-text mail, or '' when nothing in it is new. */
function newText(text: string): string {
  const r = new Reading(text.replace(/\r\n?/g, '\n').split('\n'));
  const kept: string[] = [];
  const start = replyStart(r);
  if (start !== undefined) {
    for (let i = start; i < r.lines.length; i++) {
      if (r.inCode[i]) {
        kept.push(r.lines[i]!);
        continue;
      }
      if (r.isCut(i)) break;
      if (r.kinds[i] !== 'text') {
        kept.push(r.lines[i]!);
        continue;
      }
      const header = r.headerAt(i);
      if (header) {
        if (header.kind === 'attribution' && r.interleavedAfter(header.end)) {
          i = header.end; // an interleaved reply: the quote stays, its attribution goes
          continue;
        }
        break;
      }
      kept.push(r.lines[i]!);
    }
  }
  // Trailing quotes, blank lines and rules carry nothing new.
  while (kept.length > 0) {
    const last = kept[kept.length - 1]!;
    if (last.trim() === '' || /^\s*(?:>|[A-Za-z]{1,3}>)/.test(last) || isRule(last)) kept.pop();
    else break;
  }
  const result = kept
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/^(?:[ \t]*\n)+/, '');
  return result.trim() === '' ? '' : result;
}

/**
 * The new part of a plain-text reply. A mail that is all quote (a bare forward, a reply typed
 * into the quote) is still a message: then the whole mail, trimmed.
 */
export function stripQuotes(text: string): string {
  return newText(text) || text.replace(/\r\n?/g, '\n').trim();
}

// ---------------------------------------------------------------- HTML

/** Outlook (desktop web, OWA, new Outlook) puts the quoted mail after the element with one of these ids. */
const OUTLOOK_CUT = /\bid\s*=\s*["']?(?:divRplyFwdMsg|appendonsend|mail-editor-reference-message-container|stopSpelling)\b/i;
/** Elements whose content is the quoted mail: Gmail (replies and forwards), Apple Mail, Thunderbird, Yahoo. */
const HTML_QUOTES = ['div.gmail_quote', 'blockquote.gmail_quote', 'blockquote[type=cite]', 'div.yahoo_quoted'];
const HTML_QUOTE_HINT = /gmail_quote|type\s*=\s*["']?cite|moz-cite-prefix|yahoo_quoted|divRplyFwdMsg|appendonsend|mail-editor-reference-message-container|stopSpelling|reply above this line/i;

const TEXT_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'p', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
  ],
};
const htmlToText = compile({ ...TEXT_OPTIONS, selectors: [...TEXT_OPTIONS.selectors, { selector: 'blockquote', format: 'block' }] });
// Quoted elements become "> " lines, so that the plain-text rules decide, as for a text part,
// whether they are a trailing quote (dropped) or part of an interleaved reply (kept). The
// attribution above an Apple/Thunderbird quote and Gmail/Thunderbird signatures are dropped here.
const htmlToMarkedText = compile({
  ...TEXT_OPTIONS,
  selectors: [
    ...TEXT_OPTIONS.selectors,
    { selector: 'blockquote', format: 'blockquote', options: { trimEmptyLines: true } },
    { selector: 'div.gmail_signature', format: 'skip' },
    { selector: '.moz-signature', format: 'skip' },
    { selector: 'div.moz-cite-prefix', format: 'skip' },
    ...HTML_QUOTES.map((selector) => ({ selector, format: 'blockquote', options: { trimEmptyLines: true } })),
  ],
});

/** Gmail's `<div><br></div>` and Outlook's empty paragraphs leave runs of blank lines. */
const tidy = (text: string): string => text.replace(/[ \t\u00a0]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim();

/** True when the HTML carries a quote structure a mail client put there (Gmail, Outlook, Apple Mail…). */
export function hasHtmlQuote(html: string): boolean {
  return HTML_QUOTE_HINT.test(html);
}

/**
 * The new part of an HTML reply, as plain text: without Gmail `gmail_quote`, Outlook
 * `#divRplyFwdMsg` / `#appendonsend` and everything after them, Apple Mail and Thunderbird
 * `blockquote[type=cite]` (with `moz-cite-prefix`), and what the plain-text rules strip (our
 * marker, signatures, attribution lines). A mail that is all quote (a bare forward) is read
 * again without its quote structure, as stripQuotes reads a plain-text one.
 * Undefined when the HTML holds no text at all (an image, an empty part).
 */
export function stripHtmlQuotes(html: string): string | undefined {
  const cut = OUTLOOK_CUT.exec(html);
  const before = cut ? html.slice(0, Math.max(0, html.lastIndexOf('<', cut.index))) : html;
  const reply = newText(tidy(htmlToMarkedText(before)));
  if (reply !== '') return reply;
  const whole = tidy(htmlToText(html));
  return whole === '' ? undefined : stripQuotes(whole);
}

/**
 * The body a ticket stores for one inbound mail: from the HTML part when it carries a client's
 * quote structure (surer than reading text) or when the text part is empty, else from the text.
 */
export function replyBody(mail: { text: string; html?: string | undefined }): string {
  if (mail.html !== undefined && (mail.text.trim() === '' || hasHtmlQuote(mail.html))) {
    const fromHtml = stripHtmlQuotes(mail.html);
    if (fromHtml !== undefined) return fromHtml;
  }
  return stripQuotes(mail.text);
}
