// The Gridless dashboard: a few views drawn from the coordinator's /api/
// (see docs/API.md), refreshed by polling.  No library, nothing loaded from
// elsewhere: charts are SVG drawn here.  In a report (`gridless report`),
// window.GRIDLESS_REPORT holds the data and nothing is fetched.
'use strict';
(function () {
  const REPORT = window.GRIDLESS_REPORT || null;
  const SVGNS = 'http://www.w3.org/2000/svg';
  let timer = null;
  let generation = 0;  // a new view cancels the polling of the old one

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'onclick' || k === 'onchange' || k === 'onsubmit') e[k] = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const k of kids.flat()) {
      if (k === null || k === undefined || k === false) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  }
  function s(tag, attrs, ...kids) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    for (const k of kids.flat()) {
      if (k === null || k === undefined) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  }
  const fmtInt = (n) => (n === null || n === undefined) ? '–' :
      Number(n).toLocaleString('en-US');
  function fmtNum(x) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    const a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e9)) return x.toExponential(4);
    return Number(x.toPrecision(6)).toLocaleString('en-US', {maximumFractionDigits: 6});
  }
  function fmtDur(sec) {
    if (sec === null || sec === undefined || !isFinite(sec)) return '–';
    if (sec === 0) return '0 s';
    if (sec < 1e-3) return (sec * 1e6).toFixed(0) + ' µs';
    if (sec < 1) return (sec * 1e3).toFixed(sec < 0.01 ? 2 : 0) + ' ms';
    if (sec < 120) return sec.toFixed(sec < 10 ? 2 : 1) + ' s';
    if (sec < 7200) return (sec / 60).toFixed(1) + ' min';
    return (sec / 3600).toFixed(1) + ' h';
  }
  const fmtTime = (t) => (t === null || t === undefined) ? '–' :
      new Date(t * 1000).toLocaleString();
  const badge = (state) => h('span', {class: 'badge ' + state, id: 'job-state',
                                      'data-state': state}, state);
  function bar(done, total, finished) {
    const pct = total > 0 ? Math.min(100, 100 * done / total) : (finished ? 100 : 0);
    // CSSOM, not a style attribute: the page's CSP forbids inline styles.
    const fill = h('span', {});
    fill.style.width = pct.toFixed(2) + '%';
    return h('div', {class: 'bar' + (pct >= 100 ? ' done' : ''),
                     title: pct.toFixed(1) + '%'}, fill);
  }
  function setStatus(text) { const e = document.getElementById('status'); if (e) e.textContent = text; }

  // ---------------------------------------------------------------- API --
  async function api(path) {
    const r = await fetch(path, {cache: 'no-store'});
    const body = await r.json().catch(() => ({error: 'HTTP ' + r.status}));
    if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
    return body;
  }
  async function post(path) {
    const headers = {'Content-Type': 'application/json'};
    const tok = (document.getElementById('token') || {}).value ||
        sessionStorage.getItem('gridless-token') || '';
    if (tok) headers.Authorization = 'Bearer ' + tok;
    const r = await fetch(path, {method: 'POST', headers, body: '{}'});
    const body = await r.json().catch(() => ({error: 'HTTP ' + r.status}));
    if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
    return body;
  }
  // Runs `refresh` now and then every `ms` (as returned by refresh, or the
  // default) until another view starts.  Records how long each took.
  function poll(refresh, ms) {
    const mine = ++generation;
    if (timer) clearTimeout(timer);
    const tick = async () => {
      if (mine !== generation) return;
      const t0 = performance.now();
      let next = ms;
      try {
        const r = await refresh();
        if (typeof r === 'number') next = r;
        const took = performance.now() - t0;
        window.gridlessLastRefreshMs = took;
        document.body.setAttribute('data-refresh-ms', took.toFixed(1));
        setStatus('updated ' + new Date().toLocaleTimeString() + ' (' + took.toFixed(0) + ' ms)');
      } catch (e) {
        setStatus('error: ' + e.message);
        if (String(e.message).startsWith('forgotten') || /no such job|unknown job/i.test(e.message)) {
          document.getElementById('main').replaceChildren(h('p', {class: 'error'}, e.message));
        }
      }
      if (mine === generation && next > 0) timer = setTimeout(tick, next);
    };
    tick();
  }

  // -------------------------------------------------------------- charts --
  // A bar chart: bars [{x0, x1, y, color?, title?}], x and y ranges, labels.
  function barChart(opts) {
    const W = opts.width || 560, H = opts.height || 200, L = 52, R = 10, T = 10, B = 32;
    const xs = (x) => L + (W - L - R) * (x - opts.xmin) / ((opts.xmax - opts.xmin) || 1);
    const ys = (y) => H - B - (H - T - B) * y / (opts.ymax || 1);
    const svg = s('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img',
                          'aria-label': opts.label || 'chart', class: opts.cls || ''});
    svg.append(s('line', {class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B}));
    svg.append(s('line', {class: 'axis', x1: L, y1: T, x2: L, y2: H - B}));
    for (const b of opts.bars) {
      const x0 = xs(b.x0), x1 = xs(b.x1), y = ys(b.y);
      svg.append(s('rect', {x: x0.toFixed(1), y: y.toFixed(1),
                            width: Math.max(0.5, x1 - x0 - (opts.gap || 0)).toFixed(1),
                            height: Math.max(0, H - B - y).toFixed(1),
                            fill: b.color || '#2f6fdb'}, s('title', {}, b.title || '')));
    }
    for (const t of opts.yticks || [0, opts.ymax / 2, opts.ymax]) {
      svg.append(s('text', {x: L - 4, y: ys(t) + 3, 'text-anchor': 'end'}, opts.yfmt ? opts.yfmt(t) : fmtNum(t)));
    }
    (opts.xticks || []).forEach((t, i, all) => {
      const anchor = i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle';
      svg.append(s('text', {x: xs(t.x), y: H - B + 13, 'text-anchor': anchor}, t.label));
    });
    for (const m of opts.marks || []) {
      const x = xs(m.x);
      svg.append(s('line', {class: 'mark', x1: x, x2: x, y1: T, y2: H - B, stroke: m.color}));
      const right = x > L + 0.75 * (W - L - R);  // label on the left near the edge
      svg.append(s('text', {x: right ? x - 3 : x + 3, y: T + 10 + (m.row || 0) * 11, fill: m.color,
                            class: 'marklabel', 'text-anchor': right ? 'end' : 'start'}, m.label));
    }
    if (opts.xlabel) svg.append(s('text', {x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle'}, opts.xlabel));
    return svg;
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }
  function throughputChart(job) {
    const t = job.throughput;
    if (!t || t.succeeded.length === 0) return h('p', {class: 'muted'}, 'No task results seen by this coordinator process yet.');
    const w = t.bucket_seconds, bars = [];
    let ymax = 0;
    for (let i = 0; i < t.succeeded.length; i++) {
      const rate = t.succeeded[i] / w, frate = (t.failed[i] || 0) / w;
      ymax = Math.max(ymax, rate + frate);
      bars.push({x0: i * w, x1: (i + 1) * w, y: rate + frate, color: frate > 0 ? '#d68910' : '#2f6fdb',
                 title: `${fmtDur(i * w)}–${fmtDur((i + 1) * w)}: ${fmtInt(t.succeeded[i])} ok, ${fmtInt(t.failed[i] || 0)} failed`});
    }
    const xmax = t.succeeded.length * w;
    ymax = niceMax(ymax);
    return barChart({bars, xmin: 0, xmax, ymax, label: 'throughput', cls: 'throughput',
                     xticks: [0, 0.25, 0.5, 0.75, 1].map((f) => ({x: f * xmax, label: fmtDur(f * xmax)})),
                     yfmt: (v) => fmtNum(v) + '/s', xlabel: `tasks per second (buckets of ${fmtDur(w)}) since submit`});
  }
  function durationChart(job) {
    const d = job.durations;
    if (!d) return h('p', {class: 'muted'}, 'No durations recorded.');
    let lo = -1, hi = -1;
    d.counts.forEach((c, i) => { if (c > 0) { if (lo < 0) lo = i; hi = i; } });
    if (lo < 0) return h('p', {class: 'muted'}, 'No task finished yet.');
    lo = Math.max(0, lo - 1); hi = Math.min(d.counts.length - 1, hi + 1);
    const bars = [], xticks = [];
    let ymax = 0;
    for (let i = lo; i <= hi; i++) {
      ymax = Math.max(ymax, d.counts[i]);
      const a = d.bucket_low_seconds[i], b = i + 1 < d.counts.length ? d.bucket_low_seconds[i + 1] : Infinity;
      bars.push({x0: i - lo, x1: i - lo + 1, y: d.counts[i], title: `${fmtDur(a)}–${fmtDur(b)}: ${fmtInt(d.counts[i])} tasks`});
      if ((i - lo) % Math.max(1, Math.ceil((hi - lo + 1) / 8)) === 0) xticks.push({x: i - lo, label: fmtDur(a)});
    }
    return barChart({bars, xmin: 0, xmax: hi - lo + 1, ymax: niceMax(ymax), gap: 2, label: 'task durations',
                     cls: 'durations', xticks, yfmt: fmtInt, xlabel: 'task run time (power-of-two buckets)'});
  }
  // A distribution known by its percentiles: bar area = probability mass
  // between two percentiles.
  function quantileChart(title, q, marks) {
    const pts = q.filter((p) => isFinite(p[1]));
    if (pts.length < 2) return null;
    const bars = [];
    let ymax = 0, xmin = pts[0][1], xmax = pts[pts.length - 1][1];
    for (const m of marks) { xmin = Math.min(xmin, m.x); xmax = Math.max(xmax, m.x); }
    const pad = (xmax - xmin) * 0.04 || 1;
    xmin -= pad; xmax += pad;
    for (let i = 0; i + 1 < pts.length; i++) {
      const dx = pts[i + 1][1] - pts[i][1], mass = (pts[i + 1][0] - pts[i][0]) / 100;
      const dens = dx > 0 ? mass / dx : 0;
      ymax = Math.max(ymax, dens);
      bars.push({x0: pts[i][1], x1: pts[i + 1][1], y: dens, color: '#8fb3ef',
                 title: `p${pts[i][0]}–p${pts[i + 1][0]}: ${fmtNum(pts[i][1])} to ${fmtNum(pts[i + 1][1])}`});
    }
    const xticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({x: xmin + f * (xmax - xmin), label: fmtNum(xmin + f * (xmax - xmin))}));
    return h('div', {}, h('h3', {}, title),
             barChart({bars, xmin, xmax, ymax: ymax * 1.1, label: title, marks, xticks, yticks: [],
                       cls: 'quantiles', xlabel: 'bars between percentiles 1, 5, 50, 95, 99 (area = probability)'}));
  }

  // ------------------------------------------------------ result views --
  function kvTable(obj) {
    const rows = [];
    for (const [k, v] of Object.entries(obj).sort((a, b) => a[0] < b[0] ? -1 : 1)) {
      if (v !== null && typeof v === 'object') continue;
      rows.push(h('tr', {}, h('th', {}, k), h('td', {class: typeof v === 'number' ? 'num' : ''},
                                             typeof v === 'number' ? fmtNum(v) : String(v))));
    }
    return h('table', {}, rows);
  }
  function loanResult(r) {
    const pv = [1, 5, 50, 95, 99].map((q) => [q, r['pv_p' + q]]);
    const loss = [1, 5, 50, 95, 99].map((q) => [q, r['loss_p' + q]]);
    const lossMarks = [
      {x: r.var_99, label: 'VaR 99%', color: '#d68910', row: 0},
      {x: r.es_99, label: 'ES 99%', color: '#c0392b', row: 1},
      {x: r.var_999, label: 'VaR 99.9%', color: '#8e44ad', row: 2},
      {x: r.es_999, label: 'ES 99.9%', color: '#1d2430', row: 3}].filter((m) => isFinite(m.x));
    const pvMarks = isFinite(r.pv_mean) ? [{x: r.pv_mean, label: 'mean', color: '#2e8b57'}] : [];
    const risk = h('table', {id: 'risk-table'},
      h('tr', {}, h('th', {}, ''), h('th', {class: 'num'}, '99%'), h('th', {class: 'num'}, '99.9%')),
      h('tr', {}, h('th', {}, 'VaR (loss)'), h('td', {class: 'num'}, fmtNum(r.var_99)), h('td', {class: 'num'}, fmtNum(r.var_999))),
      h('tr', {}, h('th', {}, 'ES (loss)'), h('td', {class: 'num'}, fmtNum(r.es_99)), h('td', {class: 'num'}, fmtNum(r.es_999))));
    const checks = (r.discount_check || []).map((c) => {
      const z = c.mc_stderr > 0 ? (c.mc - c.closed_form) / c.mc_stderr : null;
      return h('tr', {}, h('td', {class: 'num'}, fmtNum(c.years)), h('td', {class: 'num'}, fmtNum(c.mc)),
               h('td', {class: 'num'}, fmtNum(c.mc_stderr)), h('td', {class: 'num'}, fmtNum(c.closed_form)),
               h('td', {class: 'num' + (z !== null && Math.abs(z) > 4 ? ' error' : '')}, z === null ? '–' : z.toFixed(2)));
    });
    return h('div', {id: 'loan-result'},
      h('div', {class: 'grid'},
        quantileChart('PV distribution', pv, pvMarks),
        quantileChart('Loss distribution', loss, lossMarks)),
      h('div', {class: 'grid'},
        h('div', {}, h('h3', {}, 'Tail risk'), risk, h('h3', {}, 'Summary'), kvTable(r)),
        h('div', {}, h('h3', {}, 'Discount-factor check (Monte Carlo vs closed form)'),
          h('table', {id: 'discount-check'},
            h('tr', {}, h('th', {class: 'num'}, 'years'), h('th', {class: 'num'}, 'MC'), h('th', {class: 'num'}, 'std err'),
              h('th', {class: 'num'}, 'closed form'), h('th', {class: 'num'}, '(MC−CF)/se')), checks))));
  }
  function filesResult(r) {
    return h('div', {id: 'files-result'},
      r.output ? h('p', {}, 'Output directory: ', h('code', {}, r.output)) : null,
      h('ol', {id: 'output-files'}, r.files.map((f) => h('li', {}, h('code', {}, String(f))))),
      kvTable(r));
  }
  function resultView(job) {
    const r = job.result;
    if (!r) return h('p', {class: 'muted'}, job.final ? 'No result.' : 'The result appears when the job ends.');
    let view;
    if (job.kind === 'loan-mc' || ('var_99' in r && 'pv_p50' in r)) view = loanResult(r);
    else if (Array.isArray(r.files)) view = filesResult(r);
    else view = kvTable(r);
    return h('div', {}, view, h('details', {}, h('summary', {}, 'result JSON'), h('pre', {}, JSON.stringify(r, null, 2))));
  }

  // --------------------------------------------------------------- views --
  function jobsView() {
    const params = new URLSearchParams(location.search);
    const state = h('select', {name: 'state'}, ['', 'running', 'succeeded', 'failed', 'partial', 'cancelled']
      .map((v) => h('option', {value: v, selected: params.get('state') === v}, v || 'any')));
    const kind = h('input', {name: 'kind', value: params.get('kind') || '', size: 10, placeholder: 'any'});
    const name = h('input', {name: 'name', value: params.get('name') || '', size: 16, placeholder: 'name or id'});
    const body = h('tbody', {});
    const count = h('span', {class: 'muted'});
    const form = h('form', {class: 'filters', onsubmit: (e) => { e.preventDefault(); apply(); }},
      h('label', {}, 'state', state), h('label', {}, 'kind', kind), h('label', {}, 'name', name),
      h('button', {type: 'submit'}, 'Filter'), count);
    function query() {
      const q = new URLSearchParams();
      if (state.value) q.set('state', state.value);
      if (kind.value) q.set('kind', kind.value);
      if (name.value) q.set('name', name.value);
      return q.toString();
    }
    function apply() { history.replaceState(null, '', '/jobs' + (query() ? '?' + query() : '')); poll(refresh, 2000); }
    state.onchange = apply;
    async function refresh() {
      const data = await api('/api/jobs' + (query() ? '?' + query() : ''));
      count.textContent = `${fmtInt(data.count)} jobs, ${fmtInt(data.workers)} workers connected`;
      body.replaceChildren(...data.jobs.slice(0, 1000).map((j) => h('tr', {},
        h('td', {}, h('a', {href: '/job/' + j.id}, j.id)), h('td', {}, j.name), h('td', {}, j.kind),
        h('td', {}, h('span', {class: 'badge ' + j.state}, j.state)),
        h('td', {}, bar(j.tasks.succeeded, j.tasks.total, j.state === 'succeeded')),
        h('td', {class: 'num'}, `${fmtInt(j.tasks.succeeded)} / ${fmtInt(j.tasks.total)}`),
        h('td', {class: 'num'}, fmtInt(j.tasks.failed)), h('td', {class: 'num'}, fmtDur(j.wall_seconds)),
        h('td', {class: 'num'}, fmtDur(j.worker_seconds)))));
      return 2000;
    }
    document.getElementById('main').replaceChildren(h('h1', {}, 'Jobs'), form,
      h('div', {class: 'card'}, h('table', {id: 'jobs'}, h('thead', {}, h('tr', {},
        ['job', 'name', 'kind', 'state', 'progress', 'tasks done', 'failed', 'wall', 'worker time']
          .map((t, i) => h('th', {class: i >= 5 ? 'num' : ''}, t)))), body)));
    poll(refresh, 2000);
  }

  function eta(job, stage) {
    if (job.final || !stage.planned || stage.done >= stage.total) return '';
    const t = job.throughput;
    if (!t || t.succeeded.length === 0) return '';
    // Rate over the last ~30 s of complete buckets (at least one).
    const w = t.bucket_seconds, elapsed = Math.max(0, job.now - job.submitted);
    const last = Math.min(t.succeeded.length, Math.floor(elapsed / w));
    const n = Math.max(1, Math.min(last, Math.ceil(30 / w)));
    let done = 0;
    for (let i = last - n; i < last; i++) if (i >= 0) done += t.succeeded[i];
    const rate = done / (n * w);
    if (!(rate > 0)) return 'ETA –';
    return 'ETA ' + fmtDur((stage.total - stage.done) / rate);
  }

  function renderJob(job, failures, root, live) {
    const t = job.tasks;
    const actions = h('div', {class: 'actions'});
    const msg = h('span', {id: 'action-msg', class: 'muted'});
    if (live && job.state === 'running') {
      actions.append(h('button', {id: 'cancel-btn', class: 'danger', onclick: async (e) => {
        if (!window.gridlessNoConfirm && !confirm('Cancel ' + job.id + '?')) return;
        e.target.disabled = true;
        try { const r = await post(`/api/job/${job.id}/cancel`); msg.textContent = 'cancel: ' + r.state; }
        catch (err) { msg.textContent = err.message; msg.className = 'error'; }
      }}, 'Cancel'));
    }
    if (live && (job.state === 'failed' || job.state === 'partial') && failures && failures.count > 0) {
      actions.append(h('button', {id: 'retry-btn', class: 'primary', onclick: async (e) => {
        e.target.disabled = true;
        try { const r = await post(`/api/job/${job.id}/retry`); msg.textContent = `retrying ${fmtInt(r.tasks)} tasks`; }
        catch (err) { msg.textContent = err.message; msg.className = 'error'; e.target.disabled = false; }
      }}, `Retry ${fmtInt(failures.count)} dead-lettered task${failures.count === 1 ? '' : 's'}`));
    }
    actions.append(msg);
    const stages = h('div', {id: 'stages'}, job.stage_progress.map((st) => h('div', {class: 'stage'},
      h('span', {}, 'stage ' + st.stage), bar(st.done, st.total, job.state === 'succeeded'),
      h('span', {class: 'muted'}, st.planned ? `${fmtInt(st.done)} / ${fmtInt(st.total)} ${eta(job, st)}` : 'not planned yet'))));
    const c = (label, v, id) => h('td', {}, h('div', {class: 'muted'}, label), h('b', {id}, fmtInt(v)));
    const counts = h('table', {class: 'counts'}, h('tr', {},
      c('succeeded', t.succeeded, 'n-succeeded'), c('running', t.running), c('retried', t.retried),
      c('failed', t.failed, 'n-failed'), c('timed out', t.timed_out), c('speculative', t.speculative),
      c('rerun', t.rerun), c('total', t.total, 'n-total')));
    const times = h('p', {class: 'muted'}, `wall ${fmtDur(job.wall_seconds)} · worker time ${fmtDur(job.worker_seconds)}`,
      ` · ${job.workers} workers connected`, job.submitted ? ` · submitted ${fmtTime(job.submitted)}` : '');
    let dead = null;
    if (failures && failures.count > 0) {
      dead = h('div', {class: 'card', id: 'dead-letters'}, h('h2', {}, `Dead letters (${fmtInt(failures.count)}` +
          (failures.count > failures.dead_letters.length ? `, first ${failures.dead_letters.length} shown)` : ')')),
        h('table', {}, h('tr', {}, h('th', {}, 'stage'), h('th', {}, 'task'), h('th', {}, 'attempts')),
          failures.dead_letters.map((d) => h('tr', {}, h('td', {}, d.stage), h('td', {}, d.task_index),
            h('td', {}, h('ol', {}, d.attempts.map((a) => h('li', {},
              h('b', {}, a.code_name), ' ', h('span', {class: 'error'}, a.message),
              h('span', {class: 'muted'}, ` — ${a.worker || 'no worker'}, ${fmtDur(a.seconds)}${a.retryable ? ', transient' : ''}`)))))))));
    }
    root.replaceChildren(...[
      h('h1', {}, job.id, job.name ? ' — ' + job.name : '', ' ', badge(job.state), ' ', h('span', {class: 'muted'}, job.kind)),
      job.error ? h('p', {class: 'error', id: 'job-error'}, job.error) : null,
      actions,
      h('div', {class: 'card'}, h('h2', {}, 'Progress'), stages, counts, times),
      h('div', {class: 'grid'},
        h('div', {class: 'card'}, h('h2', {}, 'Throughput'), throughputChart(job)),
        h('div', {class: 'card'}, h('h2', {}, 'Task durations'), durationChart(job))),
      h('div', {class: 'card', id: 'result'}, h('h2', {}, 'Result'), resultView(job)),
      dead,
      h('div', {class: 'card'}, h('h2', {}, 'Spec'),
        job.spec ? h('pre', {id: 'spec'}, JSON.stringify(job.spec, null, 2)) : h('p', {class: 'muted'}, 'not known'))]
      .filter(Boolean));
  }

  function jobView(id) {
    const root = h('div', {id: 'job', 'data-id': id});
    document.getElementById('main').replaceChildren(root);
    async function refresh() {
      const [job, failures] = await Promise.all([api('/api/job/' + id),
        api('/api/job/' + id + '/failures').catch(() => null)]);
      document.title = `${job.id} ${job.state} — Gridless`;
      renderJob(job, failures, root, true);
      return job.final ? 5000 : 1000;
    }
    poll(refresh, 1000);
  }

  function workersView() {
    const body = h('tbody', {});
    const summary = h('p', {class: 'muted'});
    async function refresh() {
      const data = await api('/api/workers');
      summary.textContent = `${fmtInt(data.count)} workers, ${fmtInt(data.slots)} slots`;
      body.replaceChildren(...data.workers.map((w) => h('tr', {},
        h('td', {}, w.id), h('td', {}, w.name), h('td', {}, w.peer), h('td', {class: 'num'}, w.slots),
        h('td', {class: 'num'}, w.running), h('td', {class: 'num'}, fmtInt(w.succeeded)),
        h('td', {class: 'num'}, fmtInt(w.failed)), h('td', {}, fmtTime(w.connected)),
        h('td', {class: 'num'}, w.heartbeat_age_seconds === null ? 'none yet' : fmtDur(w.heartbeat_age_seconds) + ' ago'))));
      return 2000;
    }
    document.getElementById('main').replaceChildren(h('h1', {}, 'Workers'), summary,
      h('div', {class: 'card'}, h('table', {id: 'workers'}, h('thead', {}, h('tr', {},
        ['#', 'name', 'address', 'slots', 'running', 'tasks done', 'tasks failed', 'connected', 'last heartbeat']
          .map((t, i) => h('th', {class: i >= 3 && i <= 6 ? 'num' : ''}, t)))), body)));
    poll(refresh, 2000);
  }

  function route() {
    if (REPORT) {
      for (const id of ['nav', 'token-box']) { const e = document.getElementById(id); if (e) e.remove(); }
      setStatus('report generated ' + fmtTime(REPORT.generated));
      const root = h('div', {id: 'job', 'data-id': REPORT.job.id});
      document.getElementById('main').replaceChildren(root);
      renderJob(REPORT.job, REPORT.failures, root, false);
      return;
    }
    const tok = document.getElementById('token');
    if (tok) {
      tok.value = sessionStorage.getItem('gridless-token') || '';
      tok.onchange = () => sessionStorage.setItem('gridless-token', tok.value);
    }
    const path = location.pathname;
    const m = path.match(/^\/job\/(job-[0-9]{1,19})\/?$/);
    if (m) jobView(m[1]);
    else if (path === '/workers') workersView();
    else jobsView();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', route);
  else route();
})();
