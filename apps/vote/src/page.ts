// The vote page as one HTML string: no client-side script needed, the form posts and redirects.
import { escapeHtml, type Choice } from '@aks-gitops/app-shared'

export interface PageModel {
  optionA: string
  optionB: string
  choice?: Choice
  hostname: string
  notice?: string
}

export function renderPage({ optionA, optionB, choice, hostname, notice }: PageModel): string {
  const a = escapeHtml(optionA)
  const b = escapeHtml(optionB)
  const chosen = choice === 'a' ? a : choice === 'b' ? b : undefined
  const button = (value: Choice, label: string, cls: string) =>
    `<button type="submit" name="vote" value="${value}" class="option ${cls}${choice === value ? ' chosen' : ''}"` +
    ` aria-pressed="${choice === value}">${label}${choice === value ? ' <span class="tick" aria-hidden="true">&#10003;</span>' : ''}</button>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${a} vs ${b}!</title>
<style>
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f4f6fb; color: #1d2433; }
  main { width: min(92vw, 30rem); background: #fff; border-radius: 1rem; padding: 2rem; box-shadow: 0 10px 30px rgba(29,36,51,.12); text-align: center; }
  h1 { margin: 0 0 .25rem; font-size: 2rem; }
  p.sub { margin: 0 0 1.5rem; color: #5b6478; }
  form { display: grid; gap: 1rem; }
  .option { font: inherit; font-size: 1.4rem; font-weight: 600; padding: 1.1rem; border: 3px solid transparent; border-radius: .75rem; color: #fff; cursor: pointer; transition: transform .1s; }
  .option:hover { transform: translateY(-2px); }
  .option.a { background: #1aaaf8; }
  .option.b { background: #00cbca; }
  .option.chosen { border-color: #1d2433; }
  .choice { margin-top: 1.5rem; font-size: 1.05rem; }
  .notice { margin-top: 1rem; padding: .75rem; border-radius: .5rem; background: #fff1f0; color: #a8071a; }
  footer { margin-top: 1.5rem; font-size: .8rem; color: #8a93a6; }
</style>
</head>
<body>
<main>
  <h1>${a} vs ${b}!</h1>
  <p class="sub">Pick one. You can change your mind: only your latest vote counts.</p>
  <form method="post" action="/">
    ${button('a', a, 'a')}
    ${button('b', b, 'b')}
  </form>
  <p class="choice" id="choice">${chosen ? `You voted for <strong>${chosen}</strong>.` : 'You have not voted yet.'}</p>
  ${notice ? `<p class="notice" role="alert">${escapeHtml(notice)}</p>` : ''}
  <footer>Served by ${escapeHtml(hostname)}</footer>
</main>
</body>
</html>
`
}
