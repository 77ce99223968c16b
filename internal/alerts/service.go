package alerts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"storelens/internal/models"
	"storelens/internal/secrets"
)

// Config builds a Service.
type Config struct {
	Store *models.Store
	Box   *secrets.Box
	// HTTP sends to the robots (bounded; the server's outbound policy).
	HTTP *http.Client
	Log  *slog.Logger
	Now  func() time.Time
	// PublicURL is the server's address as the groups' phones reach it
	// (--public-url); the links in messages start with it. "": no links.
	PublicURL string
	// PictureKey signs the picture links (secrets.Derive); nil: no picture links.
	PictureKey []byte
	// Limits overrides the documented rate of a kind (tests).
	Limits map[string]Limit
	// Backoff is the first retry's delay (5 s), doubling to MaxBackoff (10 min).
	Backoff, MaxBackoff time.Duration
	// MaxAttempts before a message is failed for good (20: with the
	// defaults, about three hours of a robot being down).
	MaxAttempts int
	// Poll is how often the worker looks for due messages when nothing
	// woke it (1 s).
	Poll time.Duration
	// SendTimeout bounds one send (15 s).
	SendTimeout time.Duration
	// Picture reads an event's captured picture for an e-mail (nil: the
	// e-mails link to it like the robots' messages).
	Picture func(ctx context.Context, eventID int64) ([]byte, error)
	// SMTPTLS is the TLS settings e-mail channels use (nil: the system's
	// roots); SMTPDial reaches their servers (nil: a net.Dialer).
	SMTPTLS  *tls.Config
	SMTPDial DialFunc
	// FlushEvery is how long the worker gathers published alert events
	// before storing them in one batch (50 ms).
	FlushEvery time.Duration
}

// Service owns the channels, turns stored alert events into outbox
// messages and sends them (Run).
type Service struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	pending []*models.Event // alert events published, not yet in the outbox
	wake    chan struct{}
	flushed chan struct{} // closed and replaced after each flush (tests)

	locks sync.Map // channel id -> *sync.Mutex: one sender a channel at a time
	// notSending stops the worker sending (it still stores what is
	// published in the outbox): on several instances only the leader of
	// "alerts sending" sends, so the rate limit counted here is the
	// channel's, not one instance's share (SetSending).
	notSending atomic.Bool

	limMu  sync.Mutex
	sent   map[uint][]time.Time // per channel: the end times of recent attempts
	paused map[uint]time.Time   // per channel: no sends before (a failure's backoff)
	shops  shopCache
}

// New returns the service; Run runs its worker.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 20
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 15 * time.Second
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = 50 * time.Millisecond
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Service{cfg: cfg, log: cfg.Log, wake: make(chan struct{}, 1), flushed: make(chan struct{}),
		sent: map[uint][]time.Time{}, paused: map[uint]time.Time{}, shops: shopCache{m: map[uint]cachedShop{}}}
}

// SetSending turns the worker's sending on or off; on, it looks at the due
// messages at once.
func (s *Service) SetSending(on bool) {
	s.notSending.Store(!on)
	if on {
		s.poke()
	}
}

// LimitOf is a kind's rate limit.
func (s *Service) LimitOf(kind string) Limit {
	if l, ok := s.cfg.Limits[kind]; ok {
		return l
	}
	return documentedLimit[kind]
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// ChannelInput is a channel as an admin's form gives it.
type ChannelInput struct {
	ShopID  *uint
	Kind    string
	Name    string
	Webhook string // "" on edit: keep
	Secret  string // "" on edit: keep (ClearSecret removes it)
	Enabled bool

	ClearSecret bool

	// An e-mail channel's settings (Secret is its password) and its rate
	// (messages a minute; 0: DefaultEmailPerMinute). On edit, a nil Email
	// keeps the stored settings.
	Email      *EmailSettings
	RatePerMin int
}

// CreateChannel checks and stores a channel, its webhook and secret sealed.
func (s *Service) CreateChannel(ctx context.Context, in ChannelInput) (models.AlertChannel, error) {
	if in.Kind == Email {
		return s.createEmail(ctx, in) // email.go
	}
	c := models.AlertChannel{ShopID: in.ShopID, Kind: in.Kind, Name: strings.TrimSpace(in.Name), Enabled: in.Enabled}
	if !ValidKind(in.Kind) {
		return c, ErrBadKind
	}
	if err := CheckWebhook(in.Kind, in.Webhook); err != nil {
		return c, err
	}
	var err error
	if c.WebhookEnc, err = s.cfg.Box.Seal(strings.TrimSpace(in.Webhook)); err != nil {
		return c, err
	}
	if in.Secret != "" {
		if c.SecretEnc, err = s.cfg.Box.Seal(strings.TrimSpace(in.Secret)); err != nil {
			return c, err
		}
	}
	return c, s.cfg.Store.CreateAlertChannel(ctx, &c)
}

// UpdateChannel saves a channel's edit; empty webhook and secret keep theirs.
func (s *Service) UpdateChannel(ctx context.Context, c *models.AlertChannel, in ChannelInput) error {
	if c.Kind == Email {
		return s.updateEmail(ctx, c, in) // email.go
	}
	c.Name, c.Enabled = strings.TrimSpace(in.Name), in.Enabled
	var wh, sec []byte
	var err error
	if in.Webhook != "" {
		if err := CheckWebhook(c.Kind, in.Webhook); err != nil {
			return err
		}
		if wh, err = s.cfg.Box.Seal(strings.TrimSpace(in.Webhook)); err != nil {
			return err
		}
	}
	if in.Secret != "" {
		if sec, err = s.cfg.Box.Seal(strings.TrimSpace(in.Secret)); err != nil {
			return err
		}
	}
	return s.cfg.Store.UpdateAlertChannel(ctx, c, wh, sec, in.ClearSecret && in.Secret == "")
}

// Open unseals a channel's target.
func (s *Service) Open(c models.AlertChannel) (Target, error) {
	wh, err := s.cfg.Box.Open(c.WebhookEnc)
	if err != nil {
		return Target{}, err
	}
	t := Target{Kind: c.Kind, Webhook: wh}
	if len(c.SecretEnc) > 0 {
		if t.Secret, err = s.cfg.Box.Open(c.SecretEnc); err != nil {
			return Target{}, err
		}
	}
	if c.Kind == Email {
		if err := s.openEmail(&t); err != nil {
			return Target{}, err
		}
	}
	return t, nil
}

// WebhookHost is the host a channel sends to (shown; the token never is).
func (s *Service) WebhookHost(c models.AlertChannel) string {
	t, err := s.Open(c)
	if err != nil {
		return "?"
	}
	if t.Email != nil {
		return t.Email.Summary()
	}
	if t.Kind == Feishu {
		return feishuShown(t.Webhook) // the token is the path's last segment
	}
	if i := strings.Index(t.Webhook, "?"); i >= 0 {
		return t.Webhook[:i]
	}
	return t.Webhook
}

// SendTest stores a test message for c and sends it now (bypassing the
// queue, within the rate limit), logging the attempt like any other. A
// test is not retried: its result is shown to the admin at once.
func (s *Service) SendTest(ctx context.Context, c models.AlertChannel, title, markdown string) error {
	unlock := s.lockChannel(c.ID)
	defer unlock()
	if wait := s.waitFor(c); wait > 0 {
		lim := s.ChannelLimit(c)
		return &SendError{Msg: fmt.Sprintf("rate limit: %d messages in %s; try again in %s", lim.N, lim.Per, wait.Round(time.Second)),
			Throttled: true}
	}
	now := s.cfg.Now()
	o := models.AlertOutbox{ChannelID: c.ID, ShopID: c.ShopID, DedupeKey: "test:" + strconv.FormatInt(now.UnixNano(), 10),
		Kind: "test", Title: title, Body: markdown, State: models.OutboxPending, NextAt: now.Add(time.Hour), CreatedAt: now.UTC()}
	if err := s.cfg.Store.CreateAlertOutbox(ctx, &o); err != nil {
		return err
	}
	return s.attempt(ctx, c, &o, true)
}

// PictureLink is the signed public link of an event's picture (the robot
// and the phones fetch it without signing in); "" when not configured.
func (s *Service) PictureLink(eventID int64) string {
	if s.cfg.PublicURL == "" || s.cfg.PictureKey == nil {
		return ""
	}
	return fmt.Sprintf("%s/alerts/picture/%d/%s", s.cfg.PublicURL, eventID, s.pictureSig(eventID))
}

func (s *Service) pictureSig(eventID int64) string {
	m := hmac.New(sha256.New, s.cfg.PictureKey)
	m.Write([]byte("alert-picture:" + strconv.FormatInt(eventID, 10)))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// CheckPictureSig reports whether sig is the signature of eventID's link.
func (s *Service) CheckPictureSig(eventID int64, sig string) bool {
	if s.cfg.PictureKey == nil {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.pictureSig(eventID)))
}

// Flagged reports whether a channel keeps failing (3 attempts in a row).
func Flagged(c models.AlertChannel) bool { return c.FailStreak >= FlagStreak }

// FlagStreak is how many failed attempts in a row flag a channel (on its
// page and on the home page).
const FlagStreak = 3
