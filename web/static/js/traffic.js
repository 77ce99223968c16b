// StoreLens traffic pages: draws the charts with uPlot (from npm, served at
// /static/vendor), refreshes a report that holds today, and follows a
// backfill's progress. Loaded with defer after uPlot (no inline script).
(function () {
  'use strict';
  var palette = ['#0b6bcb', '#f79009', '#1a7f37', '#b42318', '#7a5af8', '#0e9384', '#c11574', '#667085'];

  // Intl formatters, one per locale, zone and options.
  var fmts = {};
  function dtf(d, opts) {
    var key = d.locale + '|' + d.tz + '|' + JSON.stringify(opts);
    if (!fmts[key]) {
      var o = Object.assign({}, opts, { timeZone: d.tz });
      try { fmts[key] = new Intl.DateTimeFormat(d.locale, o); } catch (e) {
        o.timeZone = 'UTC'; // an unknown zone name: say UTC rather than guess the browser's
        fmts[key] = new Intl.DateTimeFormat(d.locale, o);
      }
    }
    return fmts[key];
  }
  function numberFmt(d) {
    var key = d.locale + '|n|' + !!d.percent;
    if (!fmts[key]) {
      fmts[key] = d.percent
        ? new Intl.NumberFormat(d.locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
        : new Intl.NumberFormat(d.locale, { maximumFractionDigits: 0 });
    }
    return fmts[key];
  }
  function date(d, ms) {
    var at = new Date(ms);
    return {
      time: dtf(d, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at),
      date: dtf(d, { month: 'short', day: 'numeric' }).format(at),
      weekday: dtf(d, { weekday: 'short' }).format(at),
      month: dtf(d, { month: 'short' }).format(at),
      monthYear: dtf(d, { year: 'numeric', month: 'short' }).format(at),
    };
  }
  // The shop's wall clock of an instant: hour, day of month, month,
  // weekday (0 Sunday), read in the shop's zone (parsed from en-US parts,
  // whatever the page's language).
  var wallFmts = {};
  function wall(d, ms) {
    var f = wallFmts[d.tz];
    if (!f) {
      var o = { hour: 'numeric', hourCycle: 'h23', day: 'numeric', month: 'numeric', year: 'numeric', weekday: 'short', timeZone: d.tz };
      try { f = new Intl.DateTimeFormat('en-US', o); } catch (e) { o.timeZone = 'UTC'; f = new Intl.DateTimeFormat('en-US', o); }
      wallFmts[d.tz] = f;
    }
    var parts = {};
    f.formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
    return { hour: +parts.hour % 24, day: +parts.day, month: +parts.month, year: +parts.year,
      weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday) };
  }
  function dayLabel(d, p) {
    return (d.dayPattern || '{weekday} {date}').replace('{weekday}', p.weekday).replace('{date}', p.date);
  }

  // label is a point's full name for the legend: "Sat 5 Dec 14:00",
  // "12月5日 周六", "week of 1 Dec", "Dec 2026".
  function pointLabel(d, x) {
    var p = date(d, x * 1e3);
    switch (d.gran) {
      case 'hour': return dayLabel(d, p) + ' ' + p.time;
      case 'week': return (d.weekPattern || '{date}').replace('{date}', p.date);
      case 'month': return p.monthYear;
    }
    return dayLabel(d, p);
  }

  var measure;
  function textWidth(s) {
    if (!measure) measure = document.createElement('canvas').getContext('2d');
    measure.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    return s.split('\n').reduce(function (w, line) { return Math.max(w, measure.measureText(line).width); }, 0);
  }

  // ticks picks the x axis's marks from the rows themselves (they start at
  // the shop's hours, days, weeks or months), as many as fit: hours for a
  // day, days for a month, weeks or months for a year.
  function ticks(d, width, min, max) {
    var xs = d.x, n = xs.length, walls = d._walls;
    if (!walls) walls = d._walls = xs.map(function (x) { return wall(d, x * 1e3); });
    var idx = [];
    for (var i = 0; i < n; i++) if (xs[i] >= min && xs[i] <= max) idx.push(i);
    var multiDay = d.gran === 'hour' && idx.length && walls[idx[0]].day !== walls[idx[idx.length - 1]].day;
    var plans = [];
    if (d.gran === 'hour') {
      [1, 2, 3, 4, 6, 12].forEach(function (k) { plans.push({ keep: function (w) { return w.hour % k === 0; }, kind: 'hour' }); });
      [1, 2, 7, 14].forEach(function (k) {
        plans.push({ keep: function (w, j) { return w.hour === 0 && (k === 1 || Math.round((xs[j] - xs[0]) / 86400) % k === 0); }, kind: 'day' });
      });
    } else if (d.gran === 'day') {
      [1, 2, 3].forEach(function (k) { plans.push({ keep: function (w, j) { return Math.round((xs[j] - xs[0]) / 86400) % k === 0; }, kind: 'day' }); });
      plans.push({ keep: function (w) { return w.weekday === 1; }, kind: 'day' }); // Mondays
      plans.push({ keep: function (w, j) { return w.weekday === 1 && Math.round((xs[j] - xs[0]) / 86400) % 14 < 7; }, kind: 'day' });
      [1, 2, 3, 6].forEach(function (k) { plans.push({ keep: function (w) { return w.day === 1 && (w.month - 1) % k === 0; }, kind: 'month' }); });
    } else if (d.gran === 'week') {
      [1, 2, 4, 8, 13].forEach(function (k) { plans.push({ keep: function (w, j) { return Math.round((xs[j] - xs[0]) / 604800) % k === 0; }, kind: 'week' }); });
    } else {
      [1, 2, 3, 6, 12].forEach(function (k) { plans.push({ keep: function (w) { return (w.month - 1) % k === 0; }, kind: 'month' }); });
    }
    var best = null;
    for (var p = 0; p < plans.length; p++) {
      var plan = plans[p], marks = [];
      idx.forEach(function (j) {
        var w = walls[j];
        if (!plan.keep(w, j)) return;
        marks.push({ x: xs[j], label: tickLabel(d, plan.kind, xs[j], w, multiDay, marks.length === 0) });
      });
      if (!marks.length) continue;
      var widest = marks.reduce(function (m, t) { return Math.max(m, textWidth(t.label)); }, 0);
      best = marks;
      if (marks.length * (widest + 18) <= width) break;
    }
    return best || [];
  }
  function tickLabel(d, kind, x, w, multiDay, first) {
    var p = date(d, x * 1e3);
    switch (kind) {
      case 'hour': return multiDay && (w.hour === 0 || first) ? p.time + '\n' + dayLabel(d, p) : p.time;
      case 'week': return p.date;
      case 'month': return w.month === 1 || first ? p.monthYear : p.month;
    }
    return dayLabel(d, p);
  }

  // The legend: the time and each series' value at the cursor, the tapped
  // point, or else the latest point with numbers (never "--").
  function latestIdx(d) {
    for (var i = d.x.length - 1; i >= 0; i--) {
      for (var s = 0; s < d.series.length; s++) if (d.series[s].values[i] != null) return i;
    }
    return null;
  }
  function legendFor(el, d) {
    var box = el.parentNode && el.parentNode.querySelector('.chart-legend');
    if (!box) return null;
    box.textContent = '';
    // Styled here through the CSSOM (the CSP allows no inline style).
    Object.assign(box.style, { display: 'flex', flexWrap: 'wrap', gap: '.3rem 1rem', alignItems: 'baseline', padding: '.4rem .2rem 0', fontSize: '.9rem' });
    var time = document.createElement('span');
    time.className = 'legend-time';
    time.setAttribute('data-testid', 'legend-time');
    time.style.fontWeight = '600';
    box.appendChild(time);
    var values = d.series.map(function (s, i) {
      var item = document.createElement('span');
      item.className = 'legend-item';
      item.setAttribute('data-testid', 'legend-item');
      var dot = document.createElement('i');
      Object.assign(dot.style, { display: 'inline-block', width: '.7rem', height: '.7rem', borderRadius: '50%', marginRight: '.3rem',
        background: palette[i % palette.length] });
      var label = document.createElement('span');
      label.textContent = s.label;
      var v = document.createElement('b');
      v.setAttribute('data-testid', 'legend-value');
      item.appendChild(dot); item.appendChild(label); item.appendChild(document.createTextNode(' ')); item.appendChild(v);
      box.appendChild(item);
      return v;
    });
    return function (idx) {
      var latest = idx == null;
      if (latest) idx = el._pinned != null ? el._pinned : latestIdx(d);
      if (el._pinned != null && idx === el._pinned) latest = false;
      if (idx == null) { time.textContent = '—'; values.forEach(function (v) { v.textContent = '—'; }); return; }
      time.textContent = (latest && d.latest ? d.latest + ' · ' : '') + pointLabel(d, d.x[idx]);
      el.setAttribute('data-legend-idx', String(idx));
      var nf = numberFmt(d);
      d.series.forEach(function (s, i) {
        var val = s.values[idx];
        values[i].textContent = val == null ? '—' : nf.format(val);
      });
    };
  }

  // The tapped point by chart, kept when a live report redraws itself.
  var pinnedX = {};

  function draw(el) {
    if (!window.uPlot) return;
    var d;
    try { d = JSON.parse(el.getAttribute('data-chart')); } catch (e) { return; }
    if (!d || !d.x || !d.x.length || !d.series || !d.series.length) return;
    d.locale = d.locale || document.documentElement.lang || 'en';
    d.tz = d.tz || 'UTC';
    if (el._plot) el._plot.destroy();
    el.textContent = '';
    var key = el.getAttribute('data-testid') || '';
    el._pinned = pinnedX[key] != null && d.x.indexOf(pinnedX[key]) >= 0 ? d.x.indexOf(pinnedX[key]) : null;
    var legend = legendFor(el, d);
    var data = [d.x].concat(d.series.map(function (s) { return s.values; }));
    var series = [{ label: el.getAttribute('data-x-label') || '' }].concat(d.series.map(function (s, i) {
      return { label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: d.x.length <= 62 } };
    }));
    var tickMap = {};
    var nf = numberFmt(d);
    var opts = {
      width: Math.max(280, el.clientWidth), height: 300, series: series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{
        // Marks at the rows' own starts, labelled in the shop's zone and
        // the reader's language (uPlot's own would be the browser's).
        splits: function (u, ax, min, max) {
          var w = u.bbox && u.bbox.width ? u.bbox.width / (window.devicePixelRatio || 1) : u.width - 80;
          tickMap = {};
          return ticks(d, w, min, max).map(function (t) { tickMap[t.x] = t.label; return t.x; });
        },
        values: function (u, splits) {
          var out = splits.map(function (x) { return tickMap[x] || ''; });
          el.setAttribute('data-ticks', out.join('|')); // what the axis reads, for tests and screen checks
          return out;
        },
        size: function (u, values) {
          var lines = (values || []).reduce(function (m, v) { return Math.max(m, String(v || '').split('\n').length); }, 1);
          return 24 + 14 * lines;
        },
      }, {
        size: 64,
        values: function (u, splits) { return splits.map(function (v) { return nf.format(v); }); },
      }],
      hooks: {
        setCursor: [function (u) { if (legend) legend(u.cursor.idx); }],
        ready: [function () { if (legend) legend(null); }],
      },
    };
    var plot = el._plot = new uPlot(opts, data, el);
    // Tap to read on a touch screen: the tapped point stays in the legend
    // (no hover there) and the cursor is drawn at it.
    var over = plot.over;
    over.style.touchAction = 'pan-y';
    if (d.tapHint) over.title = d.tapHint;
    function pin(clientX) {
      var rect = over.getBoundingClientRect();
      var left = Math.min(Math.max(clientX - rect.left, 0), rect.width);
      var idx = plot.posToIdx(left);
      if (idx == null || idx < 0 || idx >= d.x.length) return;
      el._pinned = idx;
      pinnedX[key] = d.x[idx];
      var y = null;
      for (var s = 0; s < d.series.length && y == null; s++) if (d.series[s].values[idx] != null) y = plot.valToPos(d.series[s].values[idx], 'y');
      plot.setCursor({ left: plot.valToPos(d.x[idx], 'x'), top: y == null ? rect.height / 2 : y });
      if (legend) legend(idx);
    }
    over.addEventListener('touchstart', function (e) { if (e.touches.length === 1) pin(e.touches[0].clientX); }, { passive: true });
    over.addEventListener('pointerdown', function (e) { if (e.pointerType && e.pointerType !== 'mouse') pin(e.clientX); });
    el.setAttribute('data-drawn', '1');
  }

  function drawAll(root) { root.querySelectorAll('[data-chart]').forEach(draw); }

  var resizeTimer;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll('[data-chart]').forEach(function (el) {
        if (el._plot) el._plot.setSize({ width: Math.max(280, el.clientWidth), height: 300 });
      });
    }, 150);
  });

  // A report that holds today reloads its numbers every 20 s: the server
  // pulls today from the vendor when its copy is older than 15 s.
  function live() {
    var region = document.getElementById('traffic-report');
    if (!region || !region.getAttribute('data-live')) return;
    setInterval(function () {
      if (document.hidden) return;
      fetch(region.getAttribute('data-live'), { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          region.innerHTML = html;
          drawAll(region);
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, 20000);
  }

  // The backfill's progress bar follows the server every 2 s.
  function backfill() {
    var box = document.querySelector('[data-testid="traffic-backfill"]');
    if (!box || box.getAttribute('data-state') !== 'running') return;
    var bar = box.querySelector('progress');
    var text = box.querySelector('[data-testid="backfill-progress"]');
    var timer = setInterval(function () {
      fetch(box.getAttribute('data-status'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          bar.max = Math.max(1, s.total);
          bar.value = s.done;
          text.textContent = s.text;
          if (s.state !== 'running') { clearInterval(timer); window.location.reload(); }
        })
        .catch(function () {});
    }, 2000);
  }

  // Typing a date means a custom range.
  function customRange() {
    document.querySelectorAll('form[data-testid="traffic-filter"]').forEach(function (f) {
      var preset = f.querySelector('select[name=preset]');
      if (!preset) return;
      f.querySelectorAll('input[type=date]').forEach(function (inp) {
        inp.addEventListener('change', function () { preset.value = 'custom'; });
      });
    });
  }

  function start() {
    drawAll(document);
    live();
    backfill();
    customRange();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
