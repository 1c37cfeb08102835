import type { Rate, Report, Stat } from './kpis.js';
import { duration, percent } from './format-text.js';

/**
 * A self-contained page for a team lead: KPI tiles with their seed 003 targets drawn as a marker,
 * bar charts for times, ratings and the backlog. Inline SVG and CSS only — no script, no CDN — so
 * it opens from a file, a mail attachment or an intranet share alike.
 */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const GREEN = '#1a7f37';
const RED = '#cf222e';
const BLUE = '#0969da';
const LIGHT = '#9ec5fe';
const GREY = '#d0d7de';

/** A KPI as a horizontal gauge 0–100 % with the target as a tick; green when met, red when missed. */
function gauge(title: string, r: Rate, targetValue: number | null, id: string): string {
  const w = 260;
  const value = r.rate ?? 0;
  const colour = r.met === null ? BLUE : r.met ? GREEN : RED;
  const tick = targetValue === null ? '' : `<line x1="${targetValue * w}" x2="${targetValue * w}" y1="30" y2="58" stroke="#1f2328" stroke-width="2"/><text x="${Math.min(targetValue * w, w - 4)}" y="72" font-size="11" text-anchor="middle" fill="#57606a">target ${esc(r.target ?? '')}</text>`;
  return `<figure class="tile" id="${id}"><figcaption>${esc(title)}</figcaption>
<svg class="chart gauge" role="img" aria-label="${esc(`${title}: ${percent(r.rate)}`)}" width="${w}" height="78" viewBox="0 0 ${w} 78">
<text x="0" y="22" font-size="22" font-weight="600" fill="${colour}">${esc(percent(r.rate))}</text>
<text x="${w}" y="22" font-size="12" text-anchor="end" fill="#57606a">${r.count} of ${r.total}</text>
<rect x="0" y="36" width="${w}" height="16" rx="3" fill="#f6f8fa" stroke="${GREY}"/>
<rect x="0" y="36" width="${Math.max(0, Math.min(1, value)) * w}" height="16" rx="3" fill="${colour}"/>
${tick}
</svg>${r.met === null ? '' : `<p class="${r.met ? 'ok' : 'bad'}">${r.met ? '✓ target met' : '✗ target missed'}</p>`}</figure>`;
}

/** Horizontal bars; `values` may hold two series (e.g. median and p90) drawn as paired bars. */
function bars(id: string, title: string, rows: { label: string; values: number[] }[], series: string[], format: (n: number) => string): string {
  if (rows.length === 0) return `<figure class="panel" id="${id}"><figcaption>${esc(title)}</figcaption><p class="empty">No data in this period.</p></figure>`;
  const labelW = 130;
  const barW = 320;
  const rowH = 14 * series.length + 10;
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const colours = [BLUE, LIGHT];
  const h = rows.length * rowH + 24;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y = i * rowH;
    parts.push(`<text x="${labelW - 8}" y="${y + rowH / 2 + 4}" font-size="12" text-anchor="end" fill="#1f2328">${esc(row.label)}</text>`);
    row.values.forEach((v, j) => {
      const by = y + 4 + j * 14;
      const bw = (v / max) * barW;
      parts.push(`<rect class="bar" x="${labelW}" y="${by}" width="${bw.toFixed(1)}" height="12" rx="2" fill="${colours[j % 2]}"><title>${esc(`${row.label} ${series[j]}: ${format(v)}`)}</title></rect>`);
      parts.push(`<text x="${labelW + bw + 4}" y="${by + 10}" font-size="11" fill="#57606a">${esc(format(v))}</text>`);
    });
  });
  const legend = series.length > 1 ? series.map((s, j) => `<rect x="${labelW + j * 90}" y="${h - 14}" width="10" height="10" fill="${colours[j % 2]}"/><text x="${labelW + j * 90 + 14}" y="${h - 5}" font-size="11" fill="#57606a">${esc(s)}</text>`).join('') : '';
  return `<figure class="panel" id="${id}"><figcaption>${esc(title)}</figcaption>
<svg class="chart bars" role="img" aria-label="${esc(title)}" width="${labelW + barW + 70}" height="${h}" viewBox="0 0 ${labelW + barW + 70} ${h}">${parts.join('')}${legend}</svg></figure>`;
}

function timeRows(overall: Stat, groups: Record<string, Stat>): { label: string; values: number[] }[] {
  const rows = Object.entries(groups).filter(([, s]) => s.count > 0).map(([k, s]) => ({ label: `${k} (${s.count})`, values: [s.medianMinutes ?? 0, s.p90Minutes ?? 0] }));
  return overall.count > 0 ? [{ label: `all (${overall.count})`, values: [overall.medianMinutes ?? 0, overall.p90Minutes ?? 0] }, ...rows] : [];
}

function list(title: string, items: string[], empty: string): string {
  return `<section class="panel"><h2>${esc(title)}</h2>${items.length ? `<ul>${items.join('')}</ul>` : `<p class="empty">${esc(empty)}</p>`}</section>`;
}

export function formatHtml(r: Report, opts: { helpdeskName: string }): string {
  const title = `${opts.helpdeskName}: helpdesk report ${r.since.slice(0, 10)} to ${r.until.slice(0, 10)}`;
  const maxLoad = Math.max(1, ...r.agents.map((a) => a.open));
  const agentRows = r.agents
    .map(
      (a) =>
        `<tr><td>${esc(a.name)}<br><span class="muted">${esc(a.email)}</span></td><td><svg class="chart load" width="120" height="14" viewBox="0 0 120 14"><rect x="0" y="1" width="${((a.open / maxLoad) * 100).toFixed(1)}" height="12" rx="2" fill="${a.open > 3 ? RED : BLUE}"/><text x="${(a.open / maxLoad) * 100 + 4}" y="11" font-size="11" fill="#57606a">${a.open}</text></svg></td><td>${a.resolved}</td><td>${a.csatAverage ?? '–'}</td></tr>`,
    )
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 0 0 8px; }
.sub, .muted, .empty { color: #57606a; font-size: 13px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; margin: 16px 0; }
.tile, .panel { border: 1px solid ${GREY}; border-radius: 8px; padding: 12px 16px; margin: 0; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.ok { color: ${GREEN}; margin: 4px 0 0; font-size: 13px; } .bad { color: ${RED}; margin: 4px 0 0; font-size: 13px; }
table { border-collapse: collapse; font-size: 14px; } td, th { text-align: left; padding: 4px 12px 4px 0; vertical-align: top; }
.big { font-size: 28px; font-weight: 600; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">${r.tickets.created} tickets created, ${r.tickets.resolved} resolved · ${r.backlog.total} open now · targets from seed 003 (FCR &gt; 70 %, reopened &lt; 5 %, CSAT &gt; 90 %, escalations &lt; 15 %)</p>
<div class="grid">
${gauge('First-contact resolution', r.firstContactResolution, 0.7, 'kpi-fcr')}
${gauge('Reopened', r.reopened, 0.05, 'kpi-reopened')}
${gauge('CSAT: satisfied (4–5)', r.csat.satisfied, 0.9, 'kpi-csat')}
${gauge('Escalated', r.escalation, 0.15, 'kpi-escalation')}
${gauge('SLA: first response in time', r.sla.firstResponse, null, 'kpi-sla-first')}
${gauge('SLA: resolved in time', r.sla.resolution, null, 'kpi-sla-resolution')}
</div>
<div class="grid">
${bars('chart-first-response', 'First response time: median and p90, by priority', timeRows(r.firstResponse.overall, r.firstResponse.byPriority), ['median', 'p90'], duration)}
${bars('chart-resolution', 'Resolution time: median and p90, by priority', timeRows(r.resolution.overall, r.resolution.byPriority), ['median', 'p90'], duration)}
${bars('chart-first-response-category', 'First response time by category', timeRows(r.firstResponse.overall, r.firstResponse.byCategory).slice(1), ['median', 'p90'], duration)}
${bars('chart-resolution-category', 'Resolution time by category', timeRows(r.resolution.overall, r.resolution.byCategory).slice(1), ['median', 'p90'], duration)}
</div>
<div class="grid">
<figure class="panel" id="csat-average"><figcaption>CSAT average</figcaption><p class="big">${r.csat.average ?? '–'} <span class="muted">of 5</span></p><p class="muted">${r.csat.responses} ratings from ${r.csat.surveysSent} surveys sent</p></figure>
${bars('chart-csat', 'Ratings', ['5', '4', '3', '2', '1'].map((k) => ({ label: `${k} ★`, values: [r.csat.distribution[k] ?? 0] })), ['ratings'], (n) => String(n))}
${bars('chart-backlog-status', `Backlog by status (${r.backlog.total} open)`, Object.entries(r.backlog.byStatus).map(([s, n]) => ({ label: s.replace(/_/g, ' '), values: [n] })), ['tickets'], (n) => String(n))}
${bars('chart-backlog-age', 'Backlog by age', r.backlog.byAge.map((b) => ({ label: b.label, values: [b.count] })), ['tickets'], (n) => String(n))}
</div>
<section class="panel"><h2>Agents</h2>${r.agents.length ? `<table><tr><th>agent</th><th>open now</th><th>resolved</th><th>CSAT</th></tr>${agentRows}</table>` : '<p class="empty">No agents registered.</p>'}</section>
<div class="grid">
${list('Resolved without a prevention note', r.withoutPrevention.map((t) => `<li><strong>${esc(t.ref)}</strong> ${esc(t.subject)}</li>`), 'Every resolved ticket has its prevention note (seed 000).')}
${list('Knowledge-base candidates (#kb)', r.kbCandidates.map((t) => `<li><strong>${esc(t.ref)}</strong> ${esc(t.subject)}${t.note ? ` — ${esc(t.note)}` : ''}</li>`), 'No ticket is waiting for an article.')}
</div>
<p class="muted">Generated by deskmail report at ${esc(r.until)}.</p>
</body>
</html>
`;
}
