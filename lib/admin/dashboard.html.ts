/**
 * The dashboard: a page, its stylesheet and its script, all served by the library (no external
 * resources, no inline script, so the page's CSP forbids inline code), that reads the JSON endpoints
 * next to it. It holds no data itself; every call it makes goes through the guard, with
 * `Authorization: Bearer <token>` when a token was entered (kept in sessionStorage).
 */
export function dashboardHtml(endpoint: string): string {
  return PAGE.replace(/__ENDPOINT__/g, escapeHtml(endpoint));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Messaging: __ENDPOINT__</title>
<link rel="stylesheet" href="dashboard.css">
</head>
<body>
<header>
  <h1>Messaging: __ENDPOINT__</h1>
  <label>Token <input id="token" type="password" size="24" autocomplete="off"></label>
  <button id="refresh" type="button">Refresh</button>
  <span id="message" class="muted"></span>
</header>
<section id="stats" aria-label="counts"></section>
<h2>Pending outbox messages</h2>
<form id="pending-filter">
  <input name="type" placeholder="message type">
  <input name="correlationId" placeholder="correlation id">
  <button type="submit">Filter</button>
</form>
<table id="pending"><thead><tr><th>id</th><th>message id</th><th>type</th><th>destination</th><th>created</th><th></th></tr></thead><tbody></tbody></table>
<h2>Dead letters <button id="retry-all" type="button">Retry all</button></h2>
<table id="dead-letters"><thead><tr><th>message id</th><th>type</th><th>error</th><th>attempts</th><th>failed</th><th>bytes</th><th></th></tr></thead><tbody></tbody></table>
<h2>Blocked ordering keys</h2>
<table id="blocked"><thead><tr><th>origin</th><th>key</th><th>last handled</th><th>waiting for</th><th>parked</th><th>since</th><th>error</th><th></th></tr></thead><tbody></tbody></table>
<h2>Conversation</h2>
<form id="conversation-form"><input name="correlationId" placeholder="correlation id" size="40" required> <button type="submit">Show</button></form>
<table id="conversation"><thead><tr><th>message</th><th>type</th><th>from</th><th>to / handled by</th><th>dispatched</th></tr></thead><tbody></tbody></table>
<script src="dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_STYLE = `  body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d2430; }
  header { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.6rem; }
  #stats { display: flex; gap: .8rem; flex-wrap: wrap; }
  .card { border: 1px solid #d5dae3; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; }
  .card b { display: block; font-size: 1.4rem; }
  table { border-collapse: collapse; width: 100%; margin-top: .4rem; }
  th, td { border-bottom: 1px solid #e4e7ee; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f6f9; font-weight: 600; }
  code { font-size: 12px; word-break: break-all; }
  button { cursor: pointer; } .warn { color: #b3261e; } .muted { color: #6b7280; }
  #message { min-height: 1.2em; }
`;

export const DASHBOARD_SCRIPT = `(function () {
  var base = location.pathname.replace(/\\/ui\\/?$/, '');
  var tokenInput = document.getElementById('token');
  tokenInput.value = sessionStorage.getItem('cm-admin-token') || '';
  tokenInput.addEventListener('change', function () { sessionStorage.setItem('cm-admin-token', tokenInput.value); refresh(); });
  function say(text, bad) { var m = document.getElementById('message'); m.textContent = text; m.className = bad ? 'warn' : 'muted'; }
  function api(method, path, json) {
    var headers = { 'X-Messaging-Admin': '1' };
    if (tokenInput.value) headers.Authorization = 'Bearer ' + tokenInput.value;
    if (json) headers['Content-Type'] = 'application/json';
    var init = { method: method, headers: headers, credentials: 'same-origin', body: json ? JSON.stringify(json) : undefined };
    return fetch(base + '/' + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) throw new Error(r.status + ': ' + (b.message || r.statusText));
        return b;
      });
    });
  }
  function cell(row, text, cls) { var td = row.insertCell(); td.textContent = text == null ? '' : String(text); if (cls) td.className = cls; return td; }
  function button(row, label, onClick) { var b = document.createElement('button'); b.type = 'button'; b.textContent = label; b.onclick = onClick; row.insertCell().appendChild(b); return b; }
  function body(id) { var tb = document.querySelector('#' + id + ' tbody'); tb.textContent = ''; return tb; }
  function stats() {
    return Promise.all([api('GET', 'outbox/stats'), api('GET', 'inbox/stats'), api('GET', 'dead-letters?limit=1')]).then(function (all) {
      var box = document.getElementById('stats'); box.textContent = '';
      [['pending', all[0].pending], ['dispatched (kept)', all[0].dispatched], ['undeliverable', all[0].undeliverable], ['lag', Math.round(all[0].lagMs / 1000) + ' s'],
       ['inbox records', all[1].records], ['dead letters', all[2].total]].forEach(function (pair) {
        var div = document.createElement('div'); div.className = 'card'; div.dataset.stat = pair[0];
        var label = document.createElement('span'); label.className = 'muted'; label.textContent = pair[0];
        var value = document.createElement('b'); value.textContent = pair[1];
        div.appendChild(label); div.appendChild(value); box.appendChild(div);
      });
    });
  }
  function pending() {
    var form = new FormData(document.getElementById('pending-filter'));
    var query = 'status=pending&limit=100';
    ['type', 'correlationId'].forEach(function (k) { if (form.get(k)) query += '&' + k + '=' + encodeURIComponent(form.get(k)); });
    return api('GET', 'outbox?' + query).then(function (page) {
      var tb = body('pending');
      page.items.forEach(function (m) {
        var row = tb.insertRow();
        cell(row, m.id); cell(row, m.messageId); cell(row, m.type); cell(row, m.destination || '(event)'); cell(row, m.createdAt);
        button(row, 'Dispatch', function () { act(api('POST', 'outbox/redispatch', { messageIds: [m.messageId] }), 'Dispatched ' + m.messageId); });
      });
      if (!page.items.length) cell(tb.insertRow(), 'nothing pending', 'muted').colSpan = 6;
    });
  }
  function deadLetters() {
    return api('GET', 'dead-letters?limit=100').then(function (page) {
      var tb = body('dead-letters');
      page.items.forEach(function (d) {
        var row = tb.insertRow(); row.dataset.jobId = d.jobId;
        cell(row, d.jobId); cell(row, d.type); cell(row, d.error, 'warn'); cell(row, d.attemptsMade); cell(row, d.failedAt); cell(row, d.size);
        var td = row.insertCell();
        [['Retry', 'POST', 'dead-letters/' + encodeURIComponent(d.jobId) + '/retry'], ['Delete', 'DELETE', 'dead-letters/' + encodeURIComponent(d.jobId)]].forEach(function (a) {
          var b = document.createElement('button'); b.type = 'button'; b.textContent = a[0]; b.className = a[0].toLowerCase();
          b.onclick = function () { if (a[0] === 'Delete' && !confirm('Delete this dead letter?')) return; act(api(a[1], a[2]), a[0] + ' ' + d.jobId); };
          td.appendChild(b);
        });
      });
      if (!page.items.length) cell(tb.insertRow(), 'no dead letters', 'muted').colSpan = 7;
    });
  }
  function blocked() {
    return api('GET', 'ordering/blocked?limit=100').then(function (page) {
      var tb = body('blocked');
      if (!page.items.length) cell(tb.insertRow(), 'no key waits', 'muted').colSpan = 8;
      page.items.forEach(function (k) {
        var row = tb.insertRow();
        [k.originEndpoint, k.orderingKey, k.lastHandled, k.waitingFor, k.parked, k.since, k.head ? k.head.error : 'not received here'].forEach(function (v) { cell(row, v); });
        var actions = row.insertCell();
        if (k.head) {
          var retry = document.createElement('button'); retry.type = 'button'; retry.textContent = 'Retry head';
          retry.onclick = function () { act(api('POST', 'dead-letters/' + encodeURIComponent(k.head.messageId) + '/retry'), 'Retried ' + k.head.messageId); };
          actions.appendChild(retry);
        }
        var skip = document.createElement('button'); skip.type = 'button'; skip.textContent = 'Skip head';
        skip.onclick = function () {
          if (!confirm('Skip message ' + k.waitingFor + ' of key ' + k.orderingKey + '? The parked ones go on without it.')) return;
          act(api('POST', 'ordering/blocked/skip', { originEndpoint: k.originEndpoint, orderingKey: k.orderingKey }), 'Skipped ' + k.waitingFor + ' of ' + k.orderingKey);
        };
        actions.appendChild(skip);
      });
    });
  }
  function conversation(correlationId) {
    return api('GET', 'conversations/' + encodeURIComponent(correlationId)).then(function (c) {
      var tb = body('conversation');
      c.messages.forEach(function (m) {
        var row = tb.insertRow();
        cell(row, '\\u00a0\\u00a0'.repeat(m.depth) + (m.depth ? '\\u21b3 ' : '') + m.messageId);
        cell(row, m.type); cell(row, m.originEndpoint);
        cell(row, (m.destination || '(event)') + (m.handledBy.length ? ' / ' + m.handledBy.join(', ') : ''));
        cell(row, m.dispatchedAt || (m.dispatchError ? 'undeliverable: ' + m.dispatchError : 'pending'), m.dispatchedAt ? '' : 'warn');
      });
    });
  }
  function act(promise, done) { promise.then(function () { say(done); return refresh(); }).catch(function (e) { say(e.message, true); }); }
  // One refresh at a time; one asked for meanwhile runs once the current one finished.
  var running = null, queued = null;
  function refresh() {
    if (running) return queued || (queued = running.then(function () { queued = null; return refresh(); }));
    running = Promise.all([stats(), pending(), deadLetters(), blocked()]).then(function () { say('updated ' + new Date().toLocaleTimeString()); }).catch(function (e) { say(e.message, true); }).then(function () { running = null; });
    return running;
  }
  document.getElementById('refresh').onclick = refresh;
  document.getElementById('retry-all').onclick = function () {
    if (!confirm('Retry every dead letter of this endpoint?')) return;
    act(api('POST', 'dead-letters/retry-all'), 'Retried all dead letters');
  };
  document.getElementById('pending-filter').onsubmit = function (e) { e.preventDefault(); pending().catch(function (err) { say(err.message, true); }); };
  document.getElementById('conversation-form').onsubmit = function (e) {
    e.preventDefault();
    conversation(new FormData(e.target).get('correlationId')).catch(function (err) { say(err.message, true); });
  };
  // The next poll starts once the last one finished: every 5 s, every 60 s while the tab is hidden.
  function poll() { setTimeout(function () { refresh().then(poll); }, document.hidden ? 60000 : 5000); }
  refresh().then(poll);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
})();
`;
