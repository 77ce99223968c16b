// StoreLens video: live view, wall and recordings. Every URL is our own:
// FLV comes over a websocket (mpegts.js reads ws:// URLs; websockets do not
// count against the browser's six connections per host, so a wall of tiles
// plays), HLS through our proxy (hls.js, or the browser's own HLS).
(function () {
  'use strict';

  function wsURL(path) {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  }

  function newView() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function canFLV() {
    return window.mpegts && mpegts.isSupported() && mpegts.getFeatureList().mseLivePlayback;
  }

  function Player(el) {
    this.el = el;
    this.video = el.querySelector('video');
    this.err = el.querySelector('.player-error');
    this.impl = null;
    this.playback = el.hasAttribute('data-playback');
    this.button = null;
    var self = this;
    this.video.addEventListener('playing', function () { self.hidePlay(); });
  }

  // showPlay puts a play button on the player, for a browser that refused
  // to start the video by itself: a click is the user's gesture it wants.
  // (Made here, not in the page: a button's display rule would override a
  // hidden attribute.)
  Player.prototype.showPlay = function () {
    var self = this;
    if (this.button) return;
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary play-button';
    b.setAttribute('data-testid', 'play-button');
    b.textContent = '▶ ' + (this.el.dataset.msgPlay || '');
    // Over the picture, in its middle (the player clips what is outside;
    // styles set through the DOM, as the CSP wants).
    b.style.position = 'absolute';
    b.style.left = '50%';
    b.style.top = '50%';
    b.style.transform = 'translate(-50%, -50%)';
    b.style.zIndex = '2';
    b.addEventListener('click', function (e) {
      e.stopPropagation();
      self.start();
    });
    this.el.appendChild(b);
    this.button = b;
  };

  Player.prototype.hidePlay = function () {
    if (this.button) { this.button.remove(); this.button = null; }
  };

  // start plays the attached video, muted (browsers let a muted video
  // play by itself); a refusal shows the play button instead of a still
  // picture that looks like a stalled stream.
  Player.prototype.start = function () {
    var self = this, v = this.video;
    v.muted = true;
    var pr = v.play();
    if (pr && pr.then) {
      pr.then(function () { self.hidePlay(); }, function (err) {
        // An AbortError is a new source replacing this one (the HLS
        // fallback), which plays by itself: not a refusal.
        if (err && err.name === 'AbortError') return;
        self.showPlay();
      });
    }
  };

  Player.prototype.showError = function (msg) {
    this.err.textContent = msg || this.el.dataset.msgFailed || 'error';
    this.err.hidden = false;
  };

  Player.prototype.stop = function () {
    if (this.impl) { try { this.impl.destroy(); } catch (e) { /* already gone */ } }
    this.impl = null;
    this.video.removeAttribute('src');
  };

  // play asks the server to start (or join) the vendor stream, so a refusal
  // shows as the server's message, then attaches the player.
  Player.prototype.play = function (range) {
    var self = this, d = this.el.dataset, view = newView();
    var q = '';
    if (range) q = '?from=' + range.from + '&to=' + range.to + '&view=' + view;
    this.stop();
    this.err.hidden = true;
    this.el.classList.add('is-playing');
    fetch(d.start + q, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (!res.ok) { self.showError(res.j && res.j.error); return; }
        self.attach(d.mode === 'hls' || !canFLV() ? 'hls' : 'flv', q, view);
      })
      .catch(function () { self.showError(); });
  };

  Player.prototype.attach = function (mode, q, view) {
    var self = this, d = this.el.dataset, v = this.video;
    if (mode === 'flv') {
      var p = mpegts.createPlayer({ type: 'flv', isLive: !this.playback, url: wsURL(d.ws + q) },
        { enableStashBuffer: false, liveBufferLatencyChasing: !this.playback, autoCleanupSourceBuffer: true });
      p.attachMediaElement(v);
      p.on(mpegts.Events.ERROR, function () {
        // MSE or the stream failed: HLS is the fallback.
        self.stop();
        self.attach('hls', q, view);
      });
      p.load();
      this.impl = p;
      this.el.dataset.playing = 'flv';
    } else {
      var src = d.hls + view + '/index.m3u8' + (this.playback ? q : '');
      if (window.Hls && Hls.isSupported()) {
        var h = new Hls({ liveSyncDurationCount: 2, enableWorker: false });
        h.on(Hls.Events.ERROR, function (e, data) { if (data.fatal) self.showError(); });
        h.loadSource(src);
        h.attachMedia(v);
        this.impl = h;
      } else if (v.canPlayType('application/vnd.apple.mpegurl')) {
        v.src = src;
        this.impl = { destroy: function () { v.removeAttribute('src'); v.load(); } };
      } else {
        this.showError();
        return;
      }
      this.el.dataset.playing = 'hls';
    }
    this.start();
  };

  var players = [];
  document.querySelectorAll('[data-player]').forEach(function (el) {
    var p = new Player(el);
    players.push(p);
    if (el.hasAttribute('data-autoplay')) p.play();
    if (!p.playback) {
      // A tile not playing (an offline camera, a refused start) plays on click.
      el.addEventListener('click', function () { if (!p.impl) p.play(); });
    }
  });

  // Leaving the page closes the streams at once (the server stops the
  // vendor stream after its linger).
  window.addEventListener('pagehide', function () { players.forEach(function (p) { p.stop(); }); });

  var all = document.querySelector('[data-play-all]');
  if (all) all.addEventListener('click', function () { players.forEach(function (p) { if (!p.impl) p.play(); }); });

  var fs = document.querySelector('[data-fullscreen]');
  if (fs) fs.addEventListener('click', function () {
    var el = document.querySelector('[data-player]');
    if (el && el.requestFullscreen) el.requestFullscreen();
  });

  // Viewer count of the live page.
  var count = document.querySelector('[data-viewer-count]');
  var live = document.querySelector('[data-player][data-viewers]');
  if (count && live) {
    var poll = function () {
      fetch(live.dataset.viewers, { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (j) { count.textContent = j.viewers + ' ' + count.dataset.label; })
        .catch(function () { /* next time */ });
    };
    setTimeout(poll, 1500);
    setInterval(poll, 5000);
  }

  // Recordings: place the timeline's spans and marks, play on click.
  var tl = document.querySelector('[data-timeline]');
  if (tl) {
    var pct = function (s) { return (100 * Number(s) / 86400) + '%'; };
    tl.querySelectorAll('.tl-span').forEach(function (s) {
      s.style.left = pct(s.dataset.from);
      s.style.width = pct(Math.max(Number(s.dataset.to) - Number(s.dataset.from), 120));
    });
    tl.querySelectorAll('.tl-motion').forEach(function (m) { m.style.left = pct(m.dataset.at); });
  }
  var pb = players.filter(function (p) { return p.playback; })[0];
  if (pb) {
    var playing = document.querySelector('[data-playing]');
    var playRange = function (from, to, label) {
      to = Math.min(to, from + 3600);
      pb.play({ from: from, to: to });
      if (playing) playing.textContent = (pb.el.dataset.msgPlaying || '') + ' ' + label;
      pb.el.scrollIntoView({ block: 'nearest' });
    };
    document.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('[data-play-from], .tl-span');
      if (!b) return;
      if (b.classList.contains('tl-span')) playRange(Number(b.dataset.start), Number(b.dataset.end), b.title);
      else playRange(Number(b.dataset.playFrom), Number(b.dataset.playTo), b.textContent.replace('▶', '').trim());
    });
  }
})();
