package events

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"storelens/internal/vendors/senselink"
)

// SenseLinkPushPort is the record push server's port when the account
// says nothing else (004 §6.5.2: ws://HOST:9000/websocket/record/...).
const SenseLinkPushPort = "9000"

// ErrNotSenseLink is a shop linked to an account of another vendor.
var ErrNotSenseLink = errors.New("events: the linked account is not a SenseLink account")

// PushURLOf is the record push server of a SenseLink API base: the same
// host on port 9000, wss for an https API and ws for http.
func PushURLOf(base string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("events: SenseLink base URL %q is not an http(s) URL", base)
	}
	scheme := "wss"
	if u.Scheme == "http" {
		scheme = "ws"
	}
	return scheme + "://" + net.JoinHostPort(u.Hostname(), SenseLinkPushPort), nil
}

// senselinkSource is the record push of one SenseLink account that shops
// link: its sealed credentials, its push server. One connection per
// account (company), however many shops link it.
func (m *Sources) senselinkSource(ctx context.Context, accountID uint, shops []uint) (SourceConfig, error) {
	if m.s.cfg.Credentials == nil {
		return SourceConfig{}, errors.New("events: no credentials for SenseLink accounts")
	}
	a, err := m.s.cfg.Store.VendorAccount(ctx, accountID)
	if err != nil {
		return SourceConfig{}, err
	}
	named := SourceConfig{Kind: KindSenseLink, Name: a.Name, AccountID: a.ID} // for the page, when it cannot run
	if a.Vendor != senselink.Name {
		return named, ErrNotSenseLink
	}
	creds, err := m.s.cfg.Credentials(a)
	if err != nil {
		return named, err
	}
	ws := ""
	if m.s.cfg.SenseLinkPushURL != nil {
		ws = m.s.cfg.SenseLinkPushURL(creds.BaseURL)
	}
	if ws == "" {
		if ws, err = PushURLOf(creds.BaseURL); err != nil {
			return named, err
		}
	}
	c := SourceConfig{Kind: KindSenseLink, Name: a.Name, AccountID: a.ID, BaseURL: strings.TrimRight(creds.BaseURL, "/"), WSURL: ws,
		AppKey: creds.AppID, AppSecret: creds.Secret, shops: slices.Clone(shops)}
	if len(shops) == 1 {
		c.ShopID = shops[0] // a device with no camera record is in this shop
	}
	c.ViaShop = creds.ViaShop
	if err := c.validate(); err != nil {
		return named, err
	}
	return c, nil
}

// sameLinkSource compares what an account's push is built from.
func sameLinkSource(a, b SourceConfig) bool {
	return a.Name == b.Name && a.BaseURL == b.BaseURL && a.WSURL == b.WSURL && a.AppKey == b.AppKey &&
		a.AppSecret == b.AppSecret && a.ShopID == b.ShopID && a.ViaShop == b.ViaShop && slices.Equal(a.shops, b.shops)
}

func linkStatusID(accountID uint) string {
	return KindSenseLink + ":account-" + strconv.FormatUint(uint64(accountID), 10)
}

// SyncSenseLink runs one record push for every SenseLink account linked by
// at least one shop, each with its catch-up, and stops the push of an
// account no shop links any more. A link changed (shops, credentials,
// address) restarts its push; one that cannot run shows why on the shops'
// settings pages. Before Start it does nothing.
func (m *Sources) SyncSenseLink(ctx context.Context) {
	m.linkMu.Lock()
	defer m.linkMu.Unlock()
	m.mu.Lock()
	base, wg := m.ctx, m.wg
	m.mu.Unlock()
	if base == nil || base.Err() != nil || m.s.cfg.Store == nil {
		return
	}
	links, err := m.s.cfg.Store.SenseLinkLinks(ctx)
	if err != nil {
		m.s.log.Error("events: SenseLink links", "err", err)
		return
	}
	for id, shops := range links {
		next, err := m.senselinkSource(ctx, id, shops)
		old := m.links[id]
		if err == nil && old != nil && sameLinkSource(old.cfg, next) {
			continue
		}
		if old != nil {
			m.stopLink(id, old)
		}
		sid := linkStatusID(id)
		if err != nil {
			m.mu.Lock()
			prev := m.status[sid]
			st := &SourceStatus{ID: sid, Kind: KindSenseLink, Name: next.Name, Shops: slices.Clone(shops), Err: err.Error(), Since: m.s.cfg.Now()}
			if len(shops) == 1 {
				st.ShopID = shops[0]
			}
			if prev != nil && prev.Err == st.Err {
				st.Since = prev.Since // the same refusal since then
			} else {
				m.s.log.Warn("events: SenseLink push cannot run", "account", id, "err", err)
			}
			m.status[sid] = st
			m.mu.Unlock()
			continue
		}
		m.mu.Lock()
		err = m.register(next)
		m.mu.Unlock()
		if err != nil {
			m.s.log.Warn("events: SenseLink push cannot run", "account", id, "err", err)
			continue
		}
		runCtx, cancel := context.WithCancel(base)
		run := &cameraRun{cfg: next, cancel: cancel, done: make(chan struct{})}
		m.links[id] = run
		m.s.log.Info("events: SenseLink record push started", "account", id, "shops", shops, "push", next.WSURL)
		m.launch(runCtx, wg, next, run.done)
	}
	for id, r := range m.links {
		if _, ok := links[id]; !ok {
			m.stopLink(id, r)
			m.s.log.Info("events: SenseLink record push stopped: no shop links the account", "account", id)
		}
	}
	m.mu.Lock()
	for sid, st := range m.status {
		if st.Kind != KindSenseLink || !strings.HasPrefix(sid, KindSenseLink+":account-") {
			continue
		}
		n, _ := strconv.ParseUint(strings.TrimPrefix(sid, KindSenseLink+":account-"), 10, 32)
		if _, linked := links[uint(n)]; !linked {
			delete(m.status, sid)
		}
	}
	m.mu.Unlock()
}

// stopLink stops an account's push and forgets it; m.linkMu is held.
func (m *Sources) stopLink(id uint, r *cameraRun) {
	r.cancel()
	<-r.done
	delete(m.links, id)
	m.mu.Lock()
	delete(m.status, r.cfg.ID())
	delete(m.clients, r.cfg.ID())
	m.mu.Unlock()
}

// SenseLinkRunning lists the accounts whose push runs, ascending.
func (m *Sources) SenseLinkRunning() []uint {
	m.linkMu.Lock()
	defer m.linkMu.Unlock()
	out := make([]uint, 0, len(m.links))
	for id := range m.links {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
