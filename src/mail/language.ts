/**
 * The requester's language, for choosing a notification's locale variant (`resolved.de`). The
 * sender's own client says it best: Content-Language (RFC 3282), then Accept-Language (RFC 3282 /
 * the Outlook header), best quality first. Without either, a stop-word count tells German from
 * English: cheap, and only trusted with a clear margin on enough words.
 */

/** Function words frequent in any German or English mail and rare in the other language. */
const STOP_WORDS: Record<string, Set<string>> = {
  de: new Set('der die das und ist nicht ich sie wir ein eine einen mit auf für ist den dem bitte danke kann können habe haben wird mein meine ihr ihre es zu von auch noch nur seit funktioniert leider hallo grüße gruß'.split(' ')),
  en: new Set('the and is not i you we a an with on for to of it my your can could have has will please thanks thank since only also this that hello regards does doesn'.split(' ')),
};

/** The primary language subtag of a header value like `de-DE, en;q=0.8` (highest quality first). */
export function languageFromHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ranked = value
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)/.exec(p)?.[1]).find((x) => x !== undefined);
      return { tag: (tag ?? '').trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => /^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/.test(r.tag) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.tag.split('-')[0];
}

/** `de` or `en` when the text clearly is one of them, else undefined. */
export function languageOfText(text: string): string | undefined {
  const counts = Object.fromEntries(Object.keys(STOP_WORDS).map((lang) => [lang, 0])) as Record<string, number>;
  let seen = 0;
  // The first 400 words decide; the rest of a long mail is never split into words.
  for (const [w] of text.toLowerCase().matchAll(/\p{L}+/gu)) {
    if (seen++ === 400) break;
    for (const [lang, set] of Object.entries(STOP_WORDS)) if (set.has(w)) counts[lang]!++;
  }
  const [best, second] = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  // At least three function words, and twice as many as the runner-up: short or mixed text stays undecided.
  if (!best || best[1] < 3 || best[1] < 2 * (second?.[1] ?? 0)) return undefined;
  return best[0];
}

export function requesterLanguage(headers: Map<string, string[]>, text: string): string | undefined {
  return languageFromHeader(headers.get('content-language')?.[0]) ?? languageFromHeader(headers.get('accept-language')?.[0]) ?? languageOfText(text);
}
