import { describe, expect, it } from 'vitest';
import { REPLY_ABOVE_MARKER, hasHtmlQuote, isDeviceSignature, replyBody, stripHtmlQuotes, stripQuotes } from '../../src/mail/quotes.js';

const REPLY = 'Thanks, the printer works again.';
/** A reply, one quote header, and the quoted mail below it, quoted or not. */
const replyAbove = (header: string, quoted = '> Is the printer fixed?\n>\n> Help desk'): string => `${REPLY}\n\n${header}\n\n${quoted}\n`;

describe('stripQuotes: attribution lines of mail clients, in many languages', () => {
  const cases: [string, string][] = [
    ['Gmail, English', 'On Mon, Jan 1, 2024 at 10:00 AM Ann Example <ann@example.com> wrote:'],
    ['Gmail, English, wrapped before the address', 'On Mon, Jan 1, 2024 at 10:00 AM Ann Example <\nann@example.com> wrote:'],
    ['Gmail, English, "wrote:" on its own line', 'On Tue, 16 Nov 2021, 12:34 pm Ann Example <ann@example.com>\nwrote:'],
    ['Apple Mail', 'On 1 Jan 2024, at 10:00, Ann Example <ann@example.com> wrote:'],
    ['Thunderbird', 'On 01.01.24 10:00, Ann Example wrote:'],
    ['Zoho', '---- On Mon, 01 Jan 2024 10:00:00 +0100 ann@example.com wrote ----'],
    ['old Gmail, date only', '2016-03-03 17:21 GMT+01:00 Ann Example'],
    ['German, Am … schrieb', 'Am 01.01.2024 um 10:00 schrieb Ann Example <ann@example.com>:'],
    ['German Gmail, … schrieb am … Uhr, wrapped', 'Ann Example <ann@example.com> schrieb am Mo., 1.\nJan. 2024 um 10:00 Uhr:'],
    ['French, Le … a écrit', 'Le lun. 1 janv. 2024 à 10:00, Ann Example <ann@example.com> a écrit :'],
    ['French, wrapped over two lines', 'Le lun. 1 janv. 2024 à 10:00, Ann Example <ann@example.com>\na écrit :'],
    ['Spanish, El … escribió', 'El lun, 1 ene 2024 a las 10:00, Ann Example (<ann@example.com>) escribió:'],
    ['Italian, Il … ha scritto', 'Il giorno lun 1 gen 2024 alle ore 10:00 Ann Example <ann@example.com> ha scritto:'],
    ['Italian, wrapped over two lines', 'Il giovedì 8 dicembre 2016, Ann Example <ann@example.com>\nha scritto:'],
    ['Dutch, Op … schreef', 'Op ma 1 jan. 2024 om 10:00 schreef Ann Example <ann@example.com>:'],
    ['Dutch, het volgende geschreven', 'Op 1 jan. 2024 om 10:00 heeft Ann Example <ann@example.com> het volgende geschreven:'],
    ['Russian Gmail', 'пн, 1 янв. 2024 г. в 10:00, Ann Example <ann@example.com>:'],
    ['Russian, … написал', '1 января 2024 г., в 10:00, Ann Example <ann@example.com> написал:'],
    ['Ukrainian, … пише', '1 січ. 2024 р. 10:00 "Ann" <ann@example.com> пише:'],
    ['Swedish, Den … skrev', 'Den mån 1 jan. 2024 kl 10:00 skrev Ann Example <ann@example.com>:'],
    ['Norwegian, wrapped before ">:"', 'man. 1. jan. 2024 kl. 10:00 skrev Ann Example <ann@example.com\n>:'],
    ['Portuguese, Em … escreveu', 'Em seg., 1 de jan. de 2024 às 10:00, Ann Example <ann@example.com> escreveu:'],
    ['Polish, W dniu … pisze', 'W dniu 1.01.2024 o 10:00, Ann Example <ann@example.com> pisze:'],
    ['Polish, napisał(a)', 'pon., 1 sty 2024 o 10:00 Ann Example <ann@example.com> napisał(a):'],
    ['Finnish, kirjoitti', 'ma 1. tammik. 2024 klo 10.00 Ann Example (ann@example.com) kirjoitti:'],
    ['Czech, napsal', 'Dne po 1. 1. 2024 10:00 uživatel Ann Example <ann@example.com> napsal:'],
    ['Hungarian, írta', '2024. jan. 1., h 10:00 keltezéssel Ann Example <ann@example.com> ezt írta:'],
    ['Turkish, yazdı', '1 Oca 2024 Pzt, 10:00 tarihinde Ann Example <ann@example.com> şunu yazdı:'],
    ['Japanese', '2024年1月1日(月) 10:00 Ann Example <ann@example.com>:'],
    ['Chinese, 写道', '在 2024年1月1日 10:00，Ann Example <ann@example.com> 写道：'],
    ['Korean, 작성', '2024년 1월 1일 (월) 오전 10:00, Ann Example <ann@example.com>님이 작성:'],
  ];
  it.each(cases)('%s: the header and the quote below it go', (_name, header) => {
    expect(stripQuotes(replyAbove(header))).toBe(REPLY);
  });
  it.each(cases)('%s: also when the original below is not quoted', (_name, header) => {
    expect(stripQuotes(replyAbove(header, 'Is the printer fixed?\n\nHelp desk'))).toBe(REPLY);
  });
});

describe('stripQuotes: Outlook header blocks and separators', () => {
  const cases: [string, string][] = [
    ['English', 'From: Help Desk <help@example.org>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Ann <ann@example.com>\nSubject: RE: printer'],
    ['English after an underscore rule', '________________________________\nFrom: Help Desk <help@example.org>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Ann <ann@example.com>\nSubject: RE: printer'],
    ['English, bold fields', '*From:* Help Desk\n*Sent:* Monday, January 1, 2024\n*To:* Ann\n*Subject:* RE: printer'],
    ['English, a wrapped sender', 'From: Help Desk\n<help@example.org>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Ann\nSubject: RE: printer'],
    ['Italian, Da:/Inviato:', 'Da: Help Desk <help@example.org>\nInviato: lunedì 1 gennaio 2024 10:00\nA: Ann <ann@example.com>\nOggetto: R: stampante'],
    ['French, De :/Envoyé :', 'De : Help Desk <help@example.org>\nEnvoyé : lundi 1 janvier 2024 10:00\nÀ : Ann <ann@example.com>\nObjet : RE: imprimante'],
    ['German, Von:/Gesendet:', 'Von: Help Desk <help@example.org>\nGesendet: Montag, 1. Januar 2024 10:00\nAn: Ann <ann@example.com>\nBetreff: AW: Drucker'],
    ['Dutch, Van:/Verzonden:', 'Van: Help Desk <help@example.org>\nVerzonden: maandag 1 januari 2024 10:00\nAan: Ann <ann@example.com>\nOnderwerp: RE: printer'],
    ['Spanish, De:/Enviado el:', 'De: Help Desk <help@example.org>\nEnviado el: lunes, 1 de enero de 2024 10:00\nPara: Ann <ann@example.com>\nAsunto: RE: impresora'],
    ['Swedish, Från:/Skickat:', 'Från: Help Desk [mailto:help@example.org]\nSkickat: den 1 januari 2024 10:00\nTill: Ann\nÄmne: SV: skrivare'],
    ['-----Original Message-----', '-----Original Message-----\nFrom: Help Desk <help@example.org>\nSent: Monday'],
    ['----- original message ----- in lower case', '----- original message -----'],
    ['-----Mensaje original-----', '-----Mensaje original-----\nDe: Help Desk <help@example.org>'],
    ['-----Ursprüngliche Nachricht-----', '-----Ursprüngliche Nachricht-----\nVon: Help Desk <help@example.org>'],
    ["-------- Message d'origine --------", "-------- Message d'origine --------\nDe : Help Desk <help@example.org>"],
    ['Gmail forward', '---------- Forwarded message ---------\nFrom: Help Desk <help@example.org>\nDate: Mon, Jan 1, 2024 at 10:00 AM\nSubject: printer\nTo: <ann@example.com>'],
  ];
  it.each(cases)('%s: the block and the mail below it go', (_name, block) => {
    expect(stripQuotes(replyAbove(block, 'Is the printer fixed?\n\nHelp desk'))).toBe(REPLY);
  });

  it('a forward with nothing above it keeps the forwarded mail', () => {
    expect(stripQuotes('---------- Forwarded message ---------\nFrom: Ann <ann@example.com>\nDate: Mon, Jan 1, 2024\nSubject: x\nTo: help@example.org\n\nThe printer is on fire.')).toBe(
      'The printer is on fire.',
    );
  });

  it('"From:/To:/Date:" lines of a trip are not an Outlook block', () => {
    const trip = 'Please book this:\nFrom: Berlin\nTo: Paris\nDate: Monday 10:00\n\nThanks';
    expect(stripQuotes(trip)).toBe(trip);
  });
});

describe('stripQuotes: signatures', () => {
  it('a "-- " signature goes', () => {
    expect(stripQuotes(`${REPLY}\n\n-- \nAnn Example\nACME Corp, +1 555 0100`)).toBe(REPLY);
    expect(stripQuotes(`${REPLY}\n--\nAnn`)).toBe(REPLY);
  });

  it('a sign-off without a separator stays', () => {
    expect(stripQuotes(`${REPLY}\n\nBest regards,\nAnn`)).toBe(`${REPLY}\n\nBest regards,\nAnn`);
    expect(stripQuotes(`${REPLY}\n\n-Ann`)).toBe(`${REPLY}\n\n-Ann`);
  });

  it('lines that merely start with "--" or an em dash are not separators', () => {
    const list = 'To check:\n-- first point\n-- second point\n\n—\nAnn';
    expect(stripQuotes(list)).toBe(list);
  });

  const devices = [
    'Sent from my iPhone',
    'Sent from my Samsung Galaxy smartphone.',
    'Sent from my cell, please excuse any typos.',
    'Sent from Outlook Mobile<https://aka.ms/o0ukef>',
    'Get Outlook for iOS<https://aka.ms/o0ukef>',
    'Get [Outlook for Android](https://aka.ms/ghei36)',
    'Sent with Airmail',
    '(Sent from mobile device)',
    'Envoyé de mon iPhone',
    'Envoyé à partir de Outlook pour iOS',
    'Von meinem iPhone gesendet',
    'Gesendet von Outlook für Android<https://aka.ms/AAb9ysg>',
    'Diese Nachricht wurde von meinem Android-Mobiltelefon mit K-9 Mail gesendet.',
    'Enviado desde mi iPhone',
    'Inviato da iPhone',
    'Verzonden vanaf mijn iPhone',
    'Verzonden met BlackBerry Work',
    'Enviado do meu iPhone',
    'Skickat från min iPhone',
    'Sendt fra min iPad',
    "Wysłane z iPhone'a",
    'Отправлено с iPhone',
    'Odesláno z iPhonu',
    'iPhoneから送信',
    '发自我的iPhone',
    '從我的 iPhone 傳送',
    '<<sent by galaxy>>',
  ];
  it.each(devices)('"%s" and what follows go', (line) => {
    expect(isDeviceSignature(line)).toBe(true);
    expect(stripQuotes(`${REPLY}\n\n${line}\n\nOn Mon, Jan 1, 2024, Help <help@example.org> wrote:\nIs it fixed?`)).toBe(REPLY);
  });

  it.each(['Sent from my desk, is much easier than my mobile phone.', 'The notification was sent from my iPhone app to all users.', 'Sent: Monday, January 1, 2024'])(
    '"%s" is not a device signature',
    (line) => {
      expect(isDeviceSignature(line)).toBe(false);
    },
  );
});

describe('stripQuotes: our marker', () => {
  it('everything from the marker line on goes', () => {
    expect(stripQuotes(`${REPLY}\n\n${REPLY_ABOVE_MARKER}\nTicket HD-7 was updated.\n> old`)).toBe(REPLY);
  });

  it('a quoted marker cuts too, with the attribution above it', () => {
    expect(stripQuotes(`${REPLY}\n\nOn Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> ${REPLY_ABOVE_MARKER}\n> Ticket HD-7 was updated.`)).toBe(REPLY);
  });

  it('still reads "-- reply above this line --" (the marker the templates render)', () => {
    expect(REPLY_ABOVE_MARKER).toBe('-- reply above this line --');
  });
});

describe('stripQuotes: interleaved and bottom-posted replies', () => {
  it('a reply between quotes keeps the quotes, not the attribution', () => {
    const mail = 'Hi,\nOn Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> Which model?\n\nA LaserJet 4.\n\n> Which floor?\n\nThe third.\n\n-- \nAnn';
    expect(stripQuotes(mail)).toBe('Hi,\n> Which model?\n\nA LaserJet 4.\n\n> Which floor?\n\nThe third.');
  });

  it('a reply below the quote keeps only the reply', () => {
    expect(stripQuotes('On Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> Which model?\n\nA LaserJet 4.')).toBe('A LaserJet 4.');
  });

  it('a quote that was wrapped after quoting does not make a reply interleaved', () => {
    const mail = `${REPLY}\n\nOn Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> Is the printer in room 301 of the north building working again after the fix\nof yesterday?\n>\n\n-- \nAnn`;
    expect(stripQuotes(mail)).toBe(REPLY);
  });

  it('a quote with an answer after it stays', () => {
    expect(stripQuotes('> Which model?\n\nA LaserJet 4.')).toBe('> Which model?\n\nA LaserJet 4.');
  });

  it('a trailing quote without a header goes', () => {
    expect(stripQuotes(`${REPLY}\n\n> Is it fixed?\n> Help`)).toBe(REPLY);
  });
});

describe('stripQuotes: what is not a quote', () => {
  const kept = [
    ['sentences starting with "On"', 'On the other hand, we should be careful.\n\nOn average, it works.'],
    ['timestamps in the text', 'Logs:\n2024-01-15 14:30:25\n15.01.2024 14:30\nJan 15, 2024 at 14:30'],
    ['a sentence with "wrote:" in it', 'Ann wrote: the printer is broken. Then she left.'],
    ['a code block with quote-like lines', 'Code:\n```\n> not a quote\n--\nSent from my iPhone\n```\nEnd.'],
    ['markdown rules inside the text', '## Key Points\n----\n\n1. faster\n\n----\n\nThat is all.'],
  ];
  it.each(kept)('%s', (_name, text) => {
    expect(stripQuotes(text)).toBe(text);
  });

  it('a time in the line above an attribution stays with the reply', () => {
    expect(stripQuotes("I'll call at 10:30.\nOn Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> q")).toBe("I'll call at 10:30.");
  });
});

describe('stripQuotes: never an empty body for a non-empty mail', () => {
  it('a mail that is only a quote keeps the quote', () => {
    expect(stripQuotes('\n> Only a quote.\n> Two lines.\n\n')).toBe('> Only a quote.\n> Two lines.');
  });

  it('a mail that is only an attribution and a quote keeps them', () => {
    const mail = 'On Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> Only a quote.';
    expect(stripQuotes(mail)).toBe(mail);
  });

  it('blank stays blank', () => {
    expect(stripQuotes('')).toBe('');
    expect(stripQuotes(' \n\n')).toBe('');
  });

  it('CRLF line ends are read and given back as LF', () => {
    expect(stripQuotes(`Line one\r\nLine two\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\r\n> q\r\n`)).toBe('Line one\nLine two');
  });

  it('a mail of many nested attributions is read in linear time', () => {
    const chain = 'On Mon, Jan 1, 2024 at 10:00 AM Help <help@example.org> wrote:\n> q\n'.repeat(20_000);
    const started = performance.now();
    expect(stripQuotes(`${REPLY}\n\n${chain}`)).toBe(REPLY);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('stripHtmlQuotes', () => {
  it('Gmail: div.gmail_quote with its attribution goes; the text of the new part remains', () => {
    const html = `<div dir="ltr">Thanks, that works!<div><br></div><div>Bob</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Jan 1, 2024 at 10:00 AM Help &lt;help@example.org&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Is it fixed?</blockquote></div>`;
    expect(stripHtmlQuotes(html)).toBe('Thanks, that works!\n\nBob');
  });

  it('Gmail: the signature goes with the quote', () => {
    const html = `<div dir="ltr">Fixed now.<br clear="all"><br><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">Bob Smith<br>ACME</div></div><div class="gmail_quote"><blockquote class="gmail_quote">old</blockquote></div>`;
    expect(stripHtmlQuotes(html)).toBe('Fixed now.');
  });

  it('Gmail: a forward with nothing above it gives the forwarded text, unquoted', () => {
    const html = `<div dir="ltr"><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: Ann &lt;ann@example.com&gt;<br></div><br><div>The printer is on fire.</div></div></div>`;
    expect(stripHtmlQuotes(html)).toBe('The printer is on fire.');
  });

  it('Outlook: #appendonsend, the rule and #divRplyFwdMsg and everything after go', () => {
    const html = `<html><body><div class="elementToProof">My answer is <b>yes</b>.</div><div>Kind regards,<br>Anna</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Help &lt;help@example.org&gt;<br><b>Sent:</b> Monday<br><b>To:</b> Anna<br><b>Subject:</b> Re: x</div><div>old text</div></body></html>`;
    expect(stripHtmlQuotes(html)).toBe('My answer is yes.\nKind regards,\nAnna');
  });

  it('Outlook: #divRplyFwdMsg alone cuts too', () => {
    const html = `<div>Done.</div><hr><div id="divRplyFwdMsg"><b>De :</b> Help<br><b>Envoyé :</b> lundi</div><div>old</div>`;
    expect(stripHtmlQuotes(html)).toBe('Done.');
  });

  it('Outlook desktop: the localized From:/Sent: block in the body is read as text', () => {
    const html = `<div class=WordSection1><p class=MsoNormal>Hi,</p><p class=MsoNormal>&nbsp;</p><p class=MsoNormal>Works for me.</p><p class=MsoNormal>&nbsp;</p><div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>Von:</b> Help &lt;help@example.org&gt;<br><b>Gesendet:</b> Montag, 1. Januar 2024 10:00<br><b>An:</b> Anna<br><b>Betreff:</b> AW: x</p></div><p class=MsoNormal>old</p></div>`;
    expect(stripHtmlQuotes(html)).toBe('Hi,\n\nWorks for me.');
  });

  it('Apple Mail: blockquote[type=cite] with its attribution goes', () => {
    const html = `<html><body>Sure, Tuesday is fine.<div><br></div><div>Carl<br><div><br><blockquote type="cite"><div>On 1 Jan 2024, at 10:00, Help &lt;help@example.org&gt; wrote:</div><br class="Apple-interchange-newline"><div>Can we meet?</div></blockquote></div><br></div></body></html>`;
    expect(stripHtmlQuotes(html)).toBe('Sure, Tuesday is fine.\n\nCarl');
  });

  it('Thunderbird: div.moz-cite-prefix and blockquote[type=cite] go, and the signature', () => {
    const html = `<p>Yes, please go ahead.<br></p><div class="moz-cite-prefix">On 01.01.24 10:00, Help wrote:<br></div><blockquote type="cite" cite="mid:abc@example.org">Shall we?</blockquote><pre class="moz-signature" cols="72">-- \nDan</pre>`;
    expect(stripHtmlQuotes(html)).toBe('Yes, please go ahead.');
  });

  it('Thunderbird: an interleaved reply keeps its quotes', () => {
    const html = `<div class="moz-cite-prefix">On 01.01.24 10:00, Help wrote:<br></div><blockquote type="cite">Which model?</blockquote><p>A LaserJet 4.</p><blockquote type="cite">Which floor?</blockquote><p>The third.</p>`;
    expect(stripHtmlQuotes(html)).toBe('> Which model?\n\nA LaserJet 4.\n\n> Which floor?\n\nThe third.');
  });

  it('our marker cuts the HTML reply', () => {
    const html = `<div>Thanks!</div><p class="marker">${REPLY_ABOVE_MARKER}</p><div>Ticket HD-7 was updated</div>`;
    expect(stripHtmlQuotes(html)).toBe('Thanks!');
  });

  it('an HTML part without text gives undefined', () => {
    expect(stripHtmlQuotes('<div><img src="cid:logo"></div>')).toBeUndefined();
    expect(stripHtmlQuotes('')).toBeUndefined();
  });
});

describe('replyBody: which part a ticket stores', () => {
  it('the HTML part when it carries a client quote structure', () => {
    const html = `<div>From HTML.</div><div class="gmail_quote"><blockquote class="gmail_quote">old</blockquote></div>`;
    expect(hasHtmlQuote(html)).toBe(true);
    expect(replyBody({ text: 'From text.\n\n> old', html })).toBe('From HTML.');
  });

  it('the text part when the HTML has no quote structure', () => {
    expect(replyBody({ text: 'From text.\n\nOn Mon, Jan 1, 2024 at 10:00 AM X <x@example.com> wrote:\n> q', html: '<p>From HTML.</p>' })).toBe('From text.');
  });

  it('the HTML part when there is no text part', () => {
    expect(replyBody({ text: '', html: '<p>Only HTML.</p>' })).toBe('Only HTML.');
  });

  it('the text part when the HTML holds no text', () => {
    expect(replyBody({ text: 'Text.', html: '<div class="gmail_quote"><img src="cid:x"></div>' })).toBe('Text.');
  });

  it('no HTML at all', () => {
    expect(replyBody({ text: 'Text.\n\n-- \nAnn', html: undefined })).toBe('Text.');
  });
});
