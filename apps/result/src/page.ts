// The result page: rendered with the current tally, then kept up to date by /events (SSE).
import { escapeHtml } from '@aks-gitops/app-shared'
import type { Tally } from './tally'

export interface ResultPageModel {
  optionA: string
  optionB: string
  tally: Tally
}

export function renderResultPage({ optionA, optionB, tally }: ResultPageModel): string {
  const a = escapeHtml(optionA)
  const b = escapeHtml(optionB)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${a} vs ${b} -- Result</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; background: #f4f6fb; color: #1d2433; }
  h1 { text-align: center; margin: 2rem 0 1rem; font-size: 1.6rem; }
  .board { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; width: min(92vw, 44rem); margin: 0 auto; }
  .side { border-radius: 1rem; padding: 2rem 1rem; text-align: center; color: #fff; box-shadow: 0 10px 30px rgba(29,36,51,.12); }
  .side.a { background: #1aaaf8; }
  .side.b { background: #00cbca; }
  .label { font-size: 1.5rem; font-weight: 600; }
  .percent { font-size: 3.5rem; font-weight: 700; margin-top: .5rem; font-variant-numeric: tabular-nums; }
  .bar { width: min(92vw, 44rem); height: 1rem; margin: 1.5rem auto 0; border-radius: .5rem; overflow: hidden; display: flex; background: #dde2ee; }
  .bar div { transition: width .4s ease; }
  .bar .a { background: #1aaaf8; }
  .bar .b { background: #00cbca; }
  .count { text-align: center; margin-top: 1rem; font-size: 1.1rem; }
  .status { text-align: center; margin-top: .5rem; font-size: .85rem; color: #8a93a6; }
  .status.offline { color: #a8071a; }
</style>
</head>
<body>
<h1>${a} vs ${b}</h1>
<section class="board">
  <div class="side a"><div class="label">${a}</div><div class="percent" id="percent-a">${tally.percentA}%</div></div>
  <div class="side b"><div class="label">${b}</div><div class="percent" id="percent-b">${tally.percentB}%</div></div>
</section>
<div class="bar" aria-hidden="true"><div class="a" id="bar-a" style="width:${tally.percentA}%"></div><div class="b" id="bar-b" style="width:${tally.percentB}%"></div></div>
<p class="count" id="count">${voteCount(tally.total)}</p>
<p class="status" id="status">connecting for live updates...</p>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const plural = (n) => n === 1 ? '1 vote' : n + ' votes';
  const events = new EventSource('/events');
  events.addEventListener('open', () => { $('status').textContent = 'live'; $('status').className = 'status'; });
  events.addEventListener('error', () => { $('status').textContent = 'reconnecting...'; $('status').className = 'status offline'; });
  events.addEventListener('tally', (e) => {
    const t = JSON.parse(e.data);
    $('percent-a').textContent = t.percentA + '%';
    $('percent-b').textContent = t.percentB + '%';
    $('bar-a').style.width = t.percentA + '%';
    $('bar-b').style.width = t.percentB + '%';
    $('count').textContent = plural(t.total);
  });
})();
</script>
</body>
</html>
`
}

export function voteCount(total: number): string {
  return total === 1 ? '1 vote' : `${total} votes`
}
