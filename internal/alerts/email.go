package alerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/yuin/goldmark"

	"storelens/internal/models"
)

// Email is the e-mail over SMTP kind.
const Email = "email"

// TLS modes of an e-mail channel: STARTTLS required (submission, 587), or
// implicit TLS (465). Plain SMTP is never offered: the password and the
// pictures would cross the network in the clear.
const (
	StartTLS    = "starttls"
	ImplicitTLS = "tls"
)

// MaxRecipients is how many addresses one e-mail channel may list.
const MaxRecipients = 20

// EmailSettings is an e-mail channel's server, sender and recipients
// (sealed in the channel's webhook_enc as JSON; the password in secret_enc).
type EmailSettings struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	TLS      string   `json:"tls"`
	Username string   `json:"username,omitempty"`
	From     string   `json:"from"`
	To       []string `json:"to"`
}

// Summary is how the channel is shown (never the password).
func (e EmailSettings) Summary() string {
	return fmt.Sprintf("smtp://%s → %s", net.JoinHostPort(e.Host, strconv.Itoa(e.Port)), strings.Join(e.To, ", "))
}

// AddressError is an e-mail address that is not one.
type AddressError struct {
	Field string // "from" or "to"
	Addr  string // "" : none given
}

func (e *AddressError) Error() string {
	if e.Addr == "" {
		return "alerts: no e-mail address in " + e.Field
	}
	return fmt.Sprintf("alerts: %q is not an e-mail address", e.Addr)
}

// Errors of an e-mail channel's settings.
var (
	ErrBadHost      = errors.New("alerts: the SMTP server is a host name or address")
	ErrBadPort      = errors.New("alerts: the SMTP port is 1 to 65535")
	ErrBadTLS       = errors.New("alerts: the TLS mode is starttls or tls")
	ErrTooManyRcpts = fmt.Errorf("alerts: at most %d recipients", MaxRecipients)
	ErrBadRate      = errors.New("alerts: the rate is 1 to 600 messages a minute")
)

// ParseAddress checks one address (a display name is allowed) and returns
// it as typed, trimmed.
func ParseAddress(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address, "@") || strings.HasPrefix(a.Address, "@") || strings.HasSuffix(a.Address, "@") {
		return s, &AddressError{Field: field, Addr: s}
	}
	return s, nil
}

// SplitAddresses splits a recipients field (commas, semicolons, new lines).
func SplitAddresses(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Check validates the settings (the first problem found).
func (e *EmailSettings) Check() error {
	e.Host = strings.TrimSpace(e.Host)
	if e.Host == "" || strings.ContainsAny(e.Host, " /:@?#") && net.ParseIP(e.Host) == nil {
		return ErrBadHost
	}
	if e.Port < 1 || e.Port > 65535 {
		return ErrBadPort
	}
	if e.TLS != StartTLS && e.TLS != ImplicitTLS {
		return ErrBadTLS
	}
	var err error
	if e.From, err = ParseAddress("from", e.From); err != nil {
		return err
	}
	if len(e.To) == 0 {
		return &AddressError{Field: "to"}
	}
	if len(e.To) > MaxRecipients {
		return ErrTooManyRcpts
	}
	for i, a := range e.To {
		if e.To[i], err = ParseAddress("to", a); err != nil {
			return err
		}
	}
	return nil
}

// createEmail stores an e-mail channel: its settings and password sealed.
func (s *Service) createEmail(ctx context.Context, in ChannelInput) (models.AlertChannel, error) {
	c := models.AlertChannel{ShopID: in.ShopID, Kind: Email, Name: strings.TrimSpace(in.Name), Enabled: in.Enabled, RatePerMin: in.RatePerMin}
	if in.Email == nil {
		return c, &AddressError{Field: "to"}
	}
	if err := checkRate(in.RatePerMin); err != nil {
		return c, err
	}
	if err := in.Email.Check(); err != nil {
		return c, err
	}
	raw, err := json.Marshal(in.Email)
	if err != nil {
		return c, err
	}
	if c.WebhookEnc, err = s.cfg.Box.Seal(string(raw)); err != nil {
		return c, err
	}
	if in.Secret != "" {
		if c.SecretEnc, err = s.cfg.Box.Seal(in.Secret); err != nil {
			return c, err
		}
	}
	return c, s.cfg.Store.CreateAlertChannel(ctx, &c)
}

// updateEmail saves an e-mail channel's edit: the settings when given
// (in.Email), the password only when typed (ClearSecret removes it).
func (s *Service) updateEmail(ctx context.Context, c *models.AlertChannel, in ChannelInput) error {
	if err := checkRate(in.RatePerMin); err != nil {
		return err
	}
	var wh, sec []byte
	if in.Email != nil {
		if err := in.Email.Check(); err != nil {
			return err
		}
		raw, err := json.Marshal(in.Email)
		if err != nil {
			return err
		}
		if wh, err = s.cfg.Box.Seal(string(raw)); err != nil {
			return err
		}
	}
	if in.Secret != "" {
		var err error
		if sec, err = s.cfg.Box.Seal(in.Secret); err != nil {
			return err
		}
	}
	c.Name, c.Enabled, c.RatePerMin = strings.TrimSpace(in.Name), in.Enabled, in.RatePerMin
	return s.cfg.Store.UpdateAlertChannel(ctx, c, wh, sec, in.ClearSecret && in.Secret == "")
}

func checkRate(n int) error {
	if n < 0 || n > 600 {
		return ErrBadRate
	}
	return nil
}

// EmailOf is an e-mail channel's settings (unsealed), for its edit form.
func (s *Service) EmailOf(c models.AlertChannel) (EmailSettings, error) {
	t, err := s.Open(c)
	if err != nil || t.Email == nil {
		return EmailSettings{}, errors.Join(err, errors.New("alerts: not an e-mail channel"))
	}
	return *t.Email, nil
}

// openEmail reads the sealed settings into t.
func (s *Service) openEmail(t *Target) error {
	var e EmailSettings
	if err := json.Unmarshal([]byte(t.Webhook), &e); err != nil {
		return err
	}
	t.Email, t.Webhook = &e, ""
	t.TLS, t.Dial = s.cfg.SMTPTLS, s.cfg.SMTPDial
	return nil
}

// pictureCID is the Content-ID of the picture inlined in an alert e-mail.
const pictureCID = "snapshot.jpg"

// emailParts renders a message's markdown as HTML and as plain text; with
// the picture inlined, its link becomes cid:snapshot.jpg in the HTML.
func emailParts(m Message) (html, text string, err error) {
	md := m.Markdown
	if len(m.Picture) > 0 {
		if m.PictureURL != "" && strings.Contains(md, "("+m.PictureURL+")") {
			md = strings.ReplaceAll(md, "("+m.PictureURL+")", "(cid:"+pictureCID+")")
		} else {
			md += "\n\n![](cid:" + pictureCID + ")\n"
		}
	}
	var b bytes.Buffer
	if err := goldmark.Convert([]byte(md), &b); err != nil {
		return "", "", err
	}
	html = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">` +
		b.String() + `<p style="color:#888;font-size:12px">StoreLens</p></body></html>`
	return html, plainText(m.Markdown), nil
}

// plainText is the markdown as a reader of plain text sees it: links as
// "text: url", no marks.
func plainText(md string) string {
	lines := strings.Split(md, "\n")
	var out []string
	for _, l := range lines {
		l = strings.TrimPrefix(l, "### ")
		l = strings.ReplaceAll(l, "**", "")
		// [text](url) and ![text](url) → text: url
		for {
			i := strings.Index(l, "](")
			j := strings.LastIndex(l[:max(i, 0)], "[")
			k := strings.Index(l[max(i, 0):], ")")
			if i < 0 || j < 0 || k < 0 {
				break
			}
			k += i
			label, u := l[j+1:i], l[i+2:k]
			start := j
			if start > 0 && l[start-1] == '!' {
				start--
			}
			l = l[:start] + label + ": " + u + l[k+1:]
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n\n-- \nStoreLens\n"
}

// sendEmail delivers one message to every recipient of an e-mail channel:
// HTML with a plain-text alternative, the picture inlined when the message
// carries it. A 4xx answer or a network failure may pass (Retry); a 5xx
// one is permanent (its text goes to the delivery log).
func sendEmail(ctx context.Context, t Target, m Message, now time.Time) error {
	e := t.Email
	if e == nil {
		return &SendError{Msg: "e-mail settings missing"}
	}
	msg := gomail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return &SendError{Msg: err.Error()}
	}
	if err := msg.To(e.To...); err != nil {
		return &SendError{Msg: err.Error()}
	}
	msg.Subject("【StoreLens】" + m.Title)
	msg.SetDateWithValue(now)
	msg.SetMessageID()
	html, text, err := emailParts(m)
	if err != nil {
		return &SendError{Msg: err.Error()}
	}
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	if len(m.Picture) > 0 {
		if err := msg.EmbedReader(pictureCID, bytes.NewReader(m.Picture), gomail.WithFileContentID(pictureCID),
			gomail.WithFileContentType(gomail.ContentType(pictureType(m.Picture)))); err != nil {
			return &SendError{Msg: err.Error()}
		}
	}
	tc := &tls.Config{ServerName: e.Host, MinVersion: tls.VersionTLS12}
	if t.TLS != nil {
		tc = t.TLS.Clone()
		if tc.ServerName == "" {
			tc.ServerName = e.Host
		}
	}
	opts := []gomail.Option{gomail.WithPort(e.Port), gomail.WithTLSConfig(tc), gomail.WithTimeout(15 * time.Second)}
	if e.TLS == ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if e.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(e.Username), gomail.WithPassword(t.Secret))
	}
	if t.Dial != nil {
		opts = append(opts, gomail.WithDialContextFunc(t.Dial))
	}
	cl, err := gomail.NewClient(e.Host, opts...)
	if err != nil {
		return &SendError{Msg: err.Error()}
	}
	return classifySMTP(cl.DialAndSendWithContext(ctx, msg), t.Secret)
}

// pictureType is a picture's MIME type from its first bytes.
func pictureType(b []byte) string {
	if bytes.HasPrefix(b, []byte("\x89PNG")) {
		return "image/png"
	}
	return "image/jpeg"
}

// classifySMTP turns a send's error into nil or a SendError: the server's
// reply code decides (4xx: try again later, 5xx: permanent); a failure to
// reach the server may pass; a certificate the server cannot prove will not.
func classifySMTP(err error, secret string) error {
	if err == nil {
		return nil
	}
	msg := scrub(err.Error(), secret)
	var se *gomail.SendError
	var te *textproto.Error
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	switch {
	case errors.As(err, &te):
		return &SendError{SMTP: true, Msg: msg, Retry: te.Code >= 400 && te.Code < 500}
	case errors.As(err, &se) && se.ErrorCode() != 0:
		c := se.ErrorCode()
		return &SendError{SMTP: true, Msg: msg, Retry: se.IsTemp() || (c >= 400 && c < 500)}
	case errors.As(err, &se):
		return &SendError{SMTP: true, Msg: msg, Retry: se.IsTemp()}
	case errors.As(err, &ce), errors.As(err, &ue), errors.As(err, &he):
		return &SendError{SMTP: true, Msg: msg}
	}
	return &SendError{SMTP: true, Msg: msg, Retry: true}
}

// DialFunc dials the SMTP server (the server's outbound policy).
type DialFunc = func(ctx context.Context, network, address string) (net.Conn, error)

// attachPicture gives an e-mail its event's picture (when Config.Picture
// can read it; else the e-mail links to it like the robots' messages).
func (s *Service) attachPicture(ctx context.Context, c models.AlertChannel, o *models.AlertOutbox, m *Message) {
	if c.Kind != Email || o.EventID == nil || s.cfg.Picture == nil {
		return
	}
	b, err := s.cfg.Picture(ctx, *o.EventID)
	if err != nil {
		s.log.Warn("alerts: picture not attached", "event", *o.EventID, "err", err)
		return
	}
	if len(b) <= 5<<20 {
		m.Picture = b
	}
}

// SetPictures sets Config.Picture once the event pictures are built (the
// events area is wired after the alerts); call it before Run.
func (s *Service) SetPictures(f func(ctx context.Context, eventID int64) ([]byte, error)) {
	s.cfg.Picture = f
}
