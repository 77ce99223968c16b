// StoreLens events: the new-events badge in the top bar (every page) and the
// live feed (the events pages). One websocket per page: the feed's own on a
// feed page, a compact badge socket elsewhere. Both reconnect by themselves
// and resume from the last id they have, so nothing is missed or doubled.
(function () {
  'use strict';
  var badge = document.getElementById('events-badge');
  if (!badge || !window.WebSocket) return; // signed out, or no websockets
  var seenKey = 'storelens.events.seen.' + (badge.dataset.user || '');
  var soundKey = 'storelens.events.sound';

  function store(key, value) {
    try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); } catch (e) { /* private mode */ }
    return null;
  }
  function seen() { return parseInt(store(seenKey) || '0', 10) || 0; }
  function setSeen(id) { if (id > seen()) store(seenKey, String(id)); }

  function socketURL(path, params) {
    var u = new URL(path, location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    Object.keys(params).forEach(function (k) { u.searchParams.set(k, params[k]); });
    return u.toString();
  }

  // connect keeps a socket open: after a close it waits (0.5 s doubling to
  // 15 s, with jitter) and opens a new one from makeURL (which carries the
  // last id seen).
  function connect(makeURL, onMessage, onState) {
    var delay = 500, ws = null, timer = null, stopped = false;
    function open() {
      onState('connecting');
      ws = new WebSocket(makeURL());
      // A message holds one or more JSON objects, one per line.
      ws.onmessage = function (e) {
        delay = 500;
        String(e.data).split('\n').forEach(function (line) {
          var m;
          try { m = JSON.parse(line); } catch (err) { return; }
          onMessage(m);
        });
      };
      ws.onclose = function () {
        if (stopped) return;
        onState('reconnecting');
        timer = setTimeout(open, delay / 2 + Math.random() * delay / 2);
        delay = Math.min(delay * 2, 15000);
        // Several failures in a row: perhaps the session ended. A page
        // that now redirects to the sign-in is reloaded to show it.
        if (delay >= 4000) {
          fetch(location.href, { redirect: 'manual', credentials: 'same-origin' }).then(function (r) {
            if (r.type === 'opaqueredirect') location.reload();
          }).catch(function () { /* offline: keep trying */ });
        }
      };
    }
    open();
    return {
      close: function () { stopped = true; clearTimeout(timer); if (ws) ws.close(); },
      restart: function () { if (ws) ws.close(); }
    };
  }

  var feed = document.getElementById('event-feed');
  if (!feed) { badgeOnly(); return; }

  // ---- The live feed -------------------------------------------------
  var last = parseInt(feed.dataset.last || '0', 10) || 0;
  var empty = document.getElementById('event-empty');
  var state = document.getElementById('event-live-state');
  var alertBox = document.getElementById('event-alert');
  var alertText = document.getElementById('event-alert-text');
  var soundBtn = document.getElementById('alert-sound');
  var notifyBtn = document.getElementById('alert-notify');
  var audio = null;
  setSeen(last);
  badge.hidden = true;

  function setState(s) {
    if (!state) return;
    state.dataset.state = s;
    state.textContent = state.dataset[s] || s;
  }

  function showPicture(img) {
    img.onerror = function () { img.removeAttribute('src'); img.classList.add('pending'); };
    img.onload = function () { img.classList.remove('pending'); img.removeAttribute('data-pending'); };
    img.src = img.dataset.src;
  }
  // Pictures still being fetched when the page was made: try once more
  // shortly (the hub also says when each one is ready).
  setTimeout(function () { feed.querySelectorAll('img[data-pending]').forEach(showPicture); }, 3000);

  function soundOn() { return store(soundKey) === '1'; }
  function showSound() {
    if (!soundBtn) return;
    soundBtn.setAttribute('aria-pressed', soundOn() ? 'true' : 'false');
    soundBtn.textContent = soundOn() ? soundBtn.dataset.on : soundBtn.dataset.off;
  }
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
      var t = audio.currentTime;
      [880, 660, 880].forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain(), at = t + i * 0.18;
        o.type = 'sine';
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, at);
        g.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
        o.connect(g);
        g.connect(audio.destination);
        o.start(at);
        o.stop(at + 0.17);
      });
      document.body.dataset.alertBeeps = String((parseInt(document.body.dataset.alertBeeps || '0', 10) || 0) + 1);
    } catch (e) { /* no audio here */ }
  }
  if (soundBtn) {
    showSound();
    soundBtn.addEventListener('click', function () {
      store(soundKey, soundOn() ? '0' : '1');
      showSound();
      if (soundOn()) beep(); // a click lets the page play sound from now on
    });
  }

  function showNotify() {
    if (!notifyBtn || !('Notification' in window)) return;
    var p = Notification.permission;
    notifyBtn.hidden = false;
    notifyBtn.disabled = p !== 'default';
    if (p === 'granted') notifyBtn.textContent = notifyBtn.dataset.granted;
    if (p === 'denied') notifyBtn.textContent = notifyBtn.dataset.denied;
  }
  if (notifyBtn) {
    showNotify();
    notifyBtn.addEventListener('click', function () {
      var r = Notification.requestPermission(showNotify);
      if (r && r.then) r.then(showNotify);
    });
  }

  function raiseAlert(card) {
    var text = card.dataset.alertText || '';
    alertText.textContent = text;
    alertBox.hidden = false;
    alertBox.classList.remove('pulse');
    void alertBox.offsetWidth; // restart the animation
    alertBox.classList.add('pulse');
    if (soundOn()) beep();
    if ('Notification' in window && Notification.permission === 'granted') {
      try { new Notification('StoreLens', { body: text, tag: 'storelens-alert-' + card.dataset.eventId }); } catch (e) { /* some browsers only from a service worker */ }
    }
  }
  document.getElementById('event-alert-close').addEventListener('click', function () { alertBox.hidden = true; });

  connect(function () { return socketURL(feed.dataset.socket, { after: last }); }, function (m) {
    if (m.type === 'event') {
      if (m.id <= last) return; // never the same event twice
      last = m.id;
      var t = document.createElement('template');
      t.innerHTML = (m.html || '').trim(); // our server's templ output, escaped there
      var card = t.content.firstElementChild;
      if (!card) return;
      feed.insertBefore(card, feed.firstChild);
      while (feed.children.length > 200) feed.removeChild(feed.lastChild);
      if (empty) empty.hidden = true;
      if (!document.hidden) setSeen(last);
      if (m.alert) raiseAlert(card);
    } else if (m.type === 'live') {
      setState('live');
    } else if (m.type === 'picture') {
      var img = feed.querySelector('[data-event-id="' + m.id + '"] img[data-pending]');
      if (img) showPicture(img);
    }
  }, setState);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) setSeen(last); });

  // The demo controls ask for an event without leaving the page.
  var demo = document.getElementById('demo-controls');
  if (demo) {
    demo.addEventListener('submit', function (e) {
      e.preventDefault();
      if (demo.dataset.submitting) return;
      var data = new FormData(demo);
      if (e.submitter && e.submitter.name) data.set(e.submitter.name, e.submitter.value);
      fetch(demo.action, { method: 'POST', body: new URLSearchParams(data), headers: { 'X-Requested-With': 'fetch' }, credentials: 'same-origin' })
        .catch(function () { /* the feed shows what arrives */ })
        .then(function () {
          delete demo.dataset.submitting;
          demo.querySelectorAll('[aria-busy]').forEach(function (b) { b.removeAttribute('aria-busy'); });
        });
    });
  }

  // ---- The badge on other pages ---------------------------------------
  function badgeOnly() {
    var count = 0, alerts = 0;
    function show() {
      badge.hidden = count === 0;
      badge.textContent = count > 99 ? '99+' : String(count);
      badge.classList.toggle('has-alert', alerts > 0);
    }
    var sock = connect(function () { return socketURL('/events/live', { badge: 1, after: seen() }); }, function (m) {
      if (m.type === 'count') {
        if (!seen()) { setSeen(m.last); count = 0; alerts = 0; } else { count = m.n; alerts = m.alerts; }
        show();
      } else if (m.type === 'event') {
        count++;
        if (m.alert) alerts++;
        show();
      }
    }, function () {});
    // The feed opened in another tab: count again from what it saw.
    window.addEventListener('storage', function (e) { if (e.key === seenKey) sock.restart(); });
  }
})();
