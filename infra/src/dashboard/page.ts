/**
 * The dashboard page: one HTML document, no framework. It renders `/api/state` and re-renders on each
 * server-sent `state` event. Everything the stack produced is inserted as text (never as HTML), and reply HTML is
 * shown in a sandboxed iframe without scripts.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Caprice dev</title>
<style>
  :root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #fff; --card: #f6f8fa; --line: #d0d7de; --accent: #8250df; --ok: #1a7f37; --bad: #cf222e; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --card: #161b22; --line: #30363d; --accent: #a371f7; --ok: #3fb950; --bad: #f85149; } }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
  header { padding: 1rem 1.5rem; border-bottom: 1px solid var(--line); display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
  header h1 { margin: 0; font-size: 1.3rem; letter-spacing: .02em; }
  header h1 span { color: var(--accent); }
  main { padding: 1rem 1.5rem 3rem; display: grid; gap: 1.5rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 34rem), 1fr)); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; min-width: 0; overflow-x: auto; }
  td code { word-break: break-all; }
  td details { border-top: 0; padding: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { margin: 0 0 .75rem; font-size: 1.05rem; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; color: var(--muted); font-size: .85rem; }
  code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
  pre { white-space: pre-wrap; word-break: break-word; margin: .5rem 0; padding: .5rem; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; max-height: 20rem; overflow: auto; }
  .muted { color: var(--muted); }
  .ok { color: var(--ok); font-weight: 600; }
  .bad { color: var(--bad); font-weight: 600; }
  .endpoints { display: flex; gap: 1.25rem; flex-wrap: wrap; font-size: .9rem; }
  form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; }
  label { display: grid; gap: .2rem; font-size: .85rem; color: var(--muted); }
  input, textarea, button { font: inherit; padding: .4rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
  input[type=text] { min-width: 16rem; }
  button { background: var(--accent); color: #fff; border-color: transparent; cursor: pointer; }
  button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  details { border-top: 1px solid var(--line); padding: .4rem 0; }
  summary { cursor: pointer; }
  iframe { width: 100%; min-height: 8rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
  output { display: block; margin-top: .75rem; }
</style>
</head>
<body>
<header>
  <h1>Ca<span>P</span>ri<span>C</span>e <span class="muted">dev</span></h1>
  <div class="endpoints" id="endpoints" aria-label="Endpoints"></div>
  <p class="muted" id="updated" aria-live="polite" style="margin:0"></p>
</header>
<main>
  <section class="wide" aria-labelledby="fn-h">
    <h2 id="fn-h">Functions</h2>
    <table>
      <thead><tr><th scope="col">Function</th><th scope="col">State</th><th scope="col">Code size</th><th scope="col">Memory / timeout</th><th scope="col">Warm</th><th scope="col">Layer</th></tr></thead>
      <tbody id="functions"><tr><td colspan="6" class="muted">Loading…</td></tr></tbody>
    </table>
  </section>
  <section aria-labelledby="api-h">
    <h2 id="api-h">Call the HTTP API</h2>
    <form id="api-form">
      <label>Text <input type="text" name="text" id="api-text" value="Hello from the dashboard" required></label>
      <label>Seed (optional) <input type="text" name="seed" id="api-seed" inputmode="numeric" size="6"></label>
      <button type="submit">Capitalize</button>
    </form>
    <output id="api-result" for="api-text" aria-live="polite"></output>
  </section>
  <section aria-labelledby="mail-h">
    <h2 id="mail-h">Send a mail to the bot</h2>
    <form id="mail-form">
      <label>Subject <input type="text" name="subject" id="mail-subject" value="Hello bot" required></label>
      <label>Body <input type="text" name="text" id="mail-text" value="Please answer me in random capitals." required></label>
      <button type="submit">Send over SMTP</button>
    </form>
    <output id="mail-result" aria-live="polite"></output>
  </section>
  <section aria-labelledby="inv-h" class="wide">
    <h2 id="inv-h">Recent invocations</h2>
    <div id="invocations"><p class="muted">None yet.</p></div>
  </section>
  <section aria-labelledby="out-h">
    <h2 id="out-h">SES outbox</h2>
    <div id="outbox"><p class="muted">No mail sent yet.</p></div>
  </section>
  <section aria-labelledby="in-h">
    <h2 id="in-h">Inbound mail decisions</h2>
    <div id="inbound"><p class="muted">No mail received yet.</p></div>
  </section>
</main>
<script type="module">
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v; else if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
};
const ms = (v) => (v === undefined ? '–' : v.toFixed(v < 10 ? 2 : 0) + ' ms');
const bytes = (v) => (v === undefined ? '–' : v < 1024 ? v + ' B' : v < 1048576 ? (v / 1024).toFixed(1) + ' KB' : (v / 1048576).toFixed(1) + ' MB');
const openDetails = new Set();
const keep = (details, key) => {
  if (openDetails.has(key)) details.open = true;
  details.addEventListener('toggle', () => (details.open ? openDetails.add(key) : openDetails.delete(key)));
  return details;
};

function render(state) {
  $('updated').textContent = 'Updated ' + new Date(state.generatedAt).toLocaleTimeString();
  $('endpoints').replaceChildren(...Object.entries(state.endpoints).map(([k, v]) => el('span', {}, el('span', { class: 'muted', text: k + ' ' }), el('code', { text: v }))));
  $('functions').replaceChildren(...(state.functions.length ? state.functions.map((f) => el('tr', {},
    el('th', { scope: 'row' }, el('code', { text: f.name })),
    el('td', {}, el('span', { class: f.state === 'Active' ? 'ok' : 'bad', text: f.state ?? '?' }), ' ', el('span', { class: 'muted', text: f.lastUpdateStatus ?? '' })),
    el('td', { text: bytes(f.codeSize) }),
    el('td', { text: (f.memorySize ?? '?') + ' MB / ' + (f.timeout ?? '?') + ' s' }),
    el('td', { text: f.warmInstances === undefined ? '–' : String(f.warmInstances) }),
    el('td', {}, ...f.layers.map((l) => el('code', { text: l.split(':').slice(-2).join(':') }))),
  )) : [el('tr', {}, el('td', { colspan: '6', class: 'muted', text: 'No functions deployed.' }))]));

  const rows = state.functions.flatMap((f) => f.invocations.map((i) => ({ fn: f.name, ...i })));
  $('invocations').replaceChildren(...(rows.length ? [el('table', {},
    el('thead', {}, el('tr', {}, ...['Function', 'Request', 'Duration', 'Billed', 'Max memory', 'Init', 'Result'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows.map((i) => el('tr', {},
      el('td', {}, el('code', { text: i.fn })),
      el('td', {}, keep(el('details', {}, el('summary', {}, el('code', { text: i.requestId.slice(0, 8) })), el('pre', { text: i.lines.join('\\n') || '(no output)' })), 'inv:' + i.requestId)),
      el('td', { text: ms(i.durationMs) }), el('td', { text: ms(i.billedMs) }),
      el('td', { text: i.maxMemoryUsedMb === undefined ? '–' : i.maxMemoryUsedMb + ' MB' }),
      el('td', { text: ms(i.initDurationMs) }),
      el('td', {}, i.complete ? el('span', { class: i.errorType ? 'bad' : 'ok', text: i.errorType ?? 'ok' }) : el('span', { class: 'muted', text: 'running' })),
    ))))] : [el('p', { class: 'muted', text: 'None yet.' })]));

  $('outbox').replaceChildren(...(state.outbox.length ? state.outbox.map((m) => keep(el('details', {},
    el('summary', {}, el('strong', { text: m.subject || '(no subject)' }), ' ', el('span', { class: 'muted', text: '→ ' + m.to })),
    el('p', { class: 'muted', text: 'From ' + m.from + (m.date ? ' · ' + new Date(m.date).toLocaleString() : '') }),
    el('pre', { text: m.text }),
    m.html ? el('iframe', { sandbox: '', title: 'HTML part of ' + (m.subject || 'reply'), srcdoc: m.html }) : null,
    el('p', {}, el('a', { href: m.rawUrl, text: 'Raw source (.eml)' })),
  ), 'mail:' + m.id)) : [el('p', { class: 'muted', text: 'No mail sent yet.' })]));

  $('inbound').replaceChildren(...(state.inbound.length ? [el('table', {},
    el('thead', {}, el('tr', {}, ...['Time', 'Object', 'Decision', 'Reason'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...state.inbound.map((d) => el('tr', {},
      el('td', { text: d.time ? new Date(d.time).toLocaleTimeString() : '–' }),
      el('td', {}, el('code', { text: d.key ?? '–' })),
      el('td', {}, el('span', { class: d.decision === 'reply' ? 'ok' : d.decision === 'fail' ? 'bad' : 'muted', text: d.decision })),
      el('td', { text: d.reason ?? d.msg ?? '' }),
    ))))] : [el('p', { class: 'muted', text: 'No mail received yet.' })]));
}

async function refresh() {
  const response = await fetch('/api/state');
  if (response.ok) render(await response.json());
}

$('api-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const params = new URLSearchParams({ text: $('api-text').value });
  if ($('api-seed').value) params.set('seed', $('api-seed').value);
  $('api-result').textContent = 'Calling…';
  const response = await fetch('/api/http?' + params);
  const body = await response.text();
  let shown = body;
  try { const json = JSON.parse(body); shown = json.text ?? JSON.stringify(json); } catch {}
  $('api-result').replaceChildren(el('span', { class: response.ok ? 'ok' : 'bad', text: response.status + ' ' }), el('code', { id: 'api-output', text: shown }));
});

$('mail-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('mail-result').textContent = 'Sending…';
  const response = await fetch('/api/mail', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: $('mail-subject').value, text: $('mail-text').value }) });
  const body = await response.json().catch(() => ({}));
  $('mail-result').textContent = response.ok ? 'Sent ' + body.messageId + ' — the reply appears in the outbox.' : 'Failed: ' + (body.error?.message ?? response.status);
});

refresh();
const events = new EventSource('/api/events');
events.addEventListener('state', (event) => render(JSON.parse(event.data)));
</script>
</body>
</html>
`;
