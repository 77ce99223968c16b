package alertsim

// A mail server on loopback for the e-mail channel: a real SMTP server
// (github.com/emersion/go-smtp), with STARTTLS (or implicit TLS) and AUTH
// PLAIN checked against its accounts, recording what each mailbox
// received, parsed from the MIME message (text, HTML, inline and attached
// parts). Fault knobs: the next n messages refused with a 4xx (temporary)
// or a 5xx (permanent) reply, and a per-minute count of messages past a
// limit (Exceeded), so a test can assert a sender never went over.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Part is one MIME part of a received message (not text/plain or text/html).
type Part struct {
	ContentType string
	ContentID   string
	Disposition string
	Size        int
}

// Mail is one message a mailbox received.
type Mail struct {
	At      time.Time
	From    string // the envelope's MAIL FROM
	To      []string
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part
	Parts   []Part
	User    string // who authenticated ("" : nobody)
	TLS     bool
}

// SMTPServer is the simulated mail server.
type SMTPServer struct {
	// Accounts are the usernames and passwords AUTH PLAIN accepts; empty:
	// no authentication needed.
	Accounts map[string]string
	// Limit messages a minute before Exceeded counts (0: no limit).
	Limit int
	Now   func() time.Time

	srv *smtp.Server

	mu        sync.Mutex
	boxes     map[string][]Mail
	order     []string
	recent    []time.Time
	exceeded  int
	temp      int
	perm      int
	authFails int
}

// NewSMTP returns a server with the given TLS certificate (for STARTTLS or
// implicit TLS); Serve it on a loopback listener.
func NewSMTP(cert tls.Certificate) *SMTPServer {
	s := &SMTPServer{Accounts: map[string]string{}, Now: time.Now, boxes: map[string][]Mail{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "mail.sim.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.AllowInsecureAuth = false // AUTH only after STARTTLS (or on implicit TLS)
	s.srv = srv
	return s
}

// Serve serves SMTP with STARTTLS on l until Close.
func (s *SMTPServer) Serve(l net.Listener) error { return s.srv.Serve(l) }

// ServeTLS serves implicit TLS (port 465 style) on l until Close.
func (s *SMTPServer) ServeTLS(l net.Listener) error {
	return s.srv.Serve(tls.NewListener(l, s.srv.TLSConfig))
}

// Close stops the server.
func (s *SMTPServer) Close() error { return s.srv.Close() }

// FailTemp refuses the next n messages with 451 (try again later).
func (s *SMTPServer) FailTemp(n int) { s.mu.Lock(); s.temp = n; s.mu.Unlock() }

// FailPerm refuses the next n messages with 554 (permanent).
func (s *SMTPServer) FailPerm(n int) { s.mu.Lock(); s.perm = n; s.mu.Unlock() }

// Mailbox is what an address received, in order.
func (s *SMTPServer) Mailbox(addr string) []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.boxes[strings.ToLower(addr)]...)
}

// Mailboxes lists the addresses that received mail, in order of first mail.
func (s *SMTPServer) Mailboxes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Exceeded counts messages that came past Limit a minute.
func (s *SMTPServer) Exceeded() int { s.mu.Lock(); defer s.mu.Unlock(); return s.exceeded }

// AuthFailures counts refused AUTH attempts.
func (s *SMTPServer) AuthFailures() int { s.mu.Lock(); defer s.mu.Unlock(); return s.authFails }

type session struct {
	s    *SMTPServer
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		x.s.mu.Lock()
		defer x.s.mu.Unlock()
		want, ok := x.s.Accounts[username]
		if !ok || want != password || (identity != "" && identity != username) {
			x.s.authFails++
			return smtp.ErrAuthFailed
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) needAuth() error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if len(x.s.Accounts) > 0 && x.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := x.needAuth(); err != nil {
		return err
	}
	if _, err := mail.ParseAddress("<" + from + ">"); err != nil && from != "" {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "bad sender address"}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := x.needAuth(); err != nil {
		return err
	}
	if _, err := mail.ParseAddress("<" + to + ">"); err != nil {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "bad recipient address"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	now := s.Now()
	var kept []time.Time
	for _, t := range s.recent {
		if now.Sub(t) < time.Minute {
			kept = append(kept, t)
		}
	}
	s.recent = append(kept, now)
	if s.Limit > 0 && len(s.recent) > s.Limit {
		s.exceeded++
	}
	if s.temp > 0 {
		s.temp--
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try again later"}
	}
	if s.perm > 0 {
		s.perm--
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "message refused by policy"}
	}
	s.mu.Unlock()
	m, err := parseMail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "malformed message: " + err.Error()}
	}
	_, isTLS := x.c.TLSConnectionState()
	m.At, m.From, m.To, m.User, m.TLS = now, x.from, append([]string(nil), x.to...), x.user, isTLS
	s.mu.Lock()
	for _, to := range x.to {
		k := strings.ToLower(to)
		if _, ok := s.boxes[k]; !ok {
			s.order = append(s.order, k)
		}
		s.boxes[k] = append(s.boxes[k], m)
	}
	s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// parseMail reads a MIME message's subject and parts.
func parseMail(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	var m Mail
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	err = walkPart(&m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", "", msg.Body, 0)
	return m, err
}

func walkPart(m *Mail, ctype, cte, cid, disp string, body io.Reader, depth int) error {
	if depth > 5 {
		return errors.New("MIME nested too deep")
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
				p.Header.Get("Content-ID"), p.Header.Get("Content-Disposition"), p, depth+1); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = newBase64Reader(body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch {
	case mt == "text/plain" && m.Text == "" && !strings.HasPrefix(disp, "attachment"):
		m.Text = string(b)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(b)
	default:
		d, _, _ := mime.ParseMediaType(disp)
		m.Parts = append(m.Parts, Part{ContentType: mt, ContentID: strings.Trim(cid, "<>"), Disposition: d, Size: len(b)})
	}
	return nil
}

// TestCert makes a self-signed certificate for 127.0.0.1, ::1 and
// localhost (made at test time; valid for a day) and a pool trusting it.
func TestCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "alertsim mail"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, DNSNames: []string{"localhost"},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// newBase64Reader decodes a base64 body (the decoder skips line breaks).
func newBase64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }
