/**
 * Only the new part of a reply becomes the message body (the raw source is kept).
 * This is the first cut: the common quote headers and markers; the corpus-measured
 * stripper replaces it (issue 4).
 */
export const REPLY_ABOVE_MARKER = '-- reply above this line --';

const CUT_LINES: RegExp[] = [
  /^-+\s*reply above this line\s*-+$/i,
  /^On\b.{0,200}\bwrote:\s*$/i,
  /^-{2,}\s*Original Message\s*-{2,}$/i,
  /^_{10,}$/,
  /^From:\s.*$/i, // an Outlook header block, when followed by Sent:/Date:
  /^Sent from my \w+/i,
];

export function stripQuotes(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (CUT_LINES[4]!.test(line)) {
      if (/^(Sent|Date):/i.test(lines[i + 1]?.trim() ?? '')) {
        end = i;
        break;
      }
      continue;
    }
    if (CUT_LINES.some((re) => re.test(line))) {
      end = i;
      break;
    }
    if (line === '--') {
      end = i; // "-- " signature separator (trimmed)
      break;
    }
  }
  const kept = lines.slice(0, end);
  // Trailing quoted block ("> …") with nothing new after it.
  while (kept.length > 0 && (/^\s*>/.test(kept[kept.length - 1]!) || kept[kept.length - 1]!.trim() === '')) kept.pop();
  const result = kept.join('\n').trim();
  return result === '' ? text.trim() : result;
}
