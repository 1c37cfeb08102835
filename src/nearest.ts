/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The candidate closest to `word` (the first of equals) and its distance: for "did you mean …?". */
export function nearest(word: string, candidates: readonly string[]): { word: string; distance: number } | undefined {
  let best: { word: string; distance: number } | undefined;
  for (const c of candidates) {
    const distance = editDistance(word, c);
    if (!best || distance < best.distance) best = { word: c, distance };
  }
  return best;
}
