package sunmicloud

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmisign"
)

// Name is the vendor name in the registry and in stored accounts.
const Name = "sunmicloud"

// Label is the vendor's display name.
const Label = "Sunmi cloud"

const (
	callTimeout  = 15 * time.Second
	maxReply     = 4 << 20 // replies are small JSON; cap what we read
	readAttempts = 3
)

// Client is a signed client of one Sunmi cloud account.
type Client struct {
	base      string
	appID     string
	companyNo string
	secret    string
	hc        *http.Client
	now       func() time.Time
	random    func() string
	sleep     func(context.Context, time.Duration) error
}

// Option adjusts a Client (tests fix the clock and the random source).
type Option func(*Client)

// WithClock sets the clock used for timestamps.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithRandom sets the source of the random parameter.
func WithRandom(f func() string) Option { return func(c *Client) { c.random = f } }

// WithBackoff sets how the client waits between read retries.
func WithBackoff(f func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// NewClient returns a client for acc.
func NewClient(acc vendors.Account, hc *http.Client, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(acc.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sunmicloud: base URL %q is not an http(s) URL", acc.BaseURL)
	}
	if acc.AppID == "" || acc.Secret == "" {
		return nil, errors.New("sunmicloud: app_id and secret key are required")
	}
	c := &Client{base: u.String(), appID: acc.AppID, secret: acc.Secret, companyNo: acc.CompanyNo, hc: hc,
		now: time.Now, random: randomString, sleep: sleepCtx}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// New is the registry factory.
func New(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) {
	return NewClient(acc, hc)
}

// Vendor implements vendors.Adapter.
func (c *Client) Vendor() string { return Name }

var (
	_ vendors.Adapter = (*Client)(nil)
	_ vendors.Devices = (*Client)(nil)
)

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString makes the 6-10 character random parameter (000 §2.3): 10
// letters and digits.
func randomString() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// envelope is every reply: {code, msg, data}.
type envelope struct {
	Code flexInt         `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// signed adds the public parameters (000 §2.3) and the sign to params.
func (c *Client) signed(params map[string]string) url.Values {
	p := make(map[string]string, len(params)+4)
	for k, v := range params {
		if v != "" { // never send empty optional params (NOTES item 15)
			p[k] = v
		}
	}
	p["app_id"] = c.appID
	p["random"] = c.random()
	p["timestamp"] = strconv.FormatInt(c.now().Unix(), 10)
	p["sign"] = sunmisign.Sign(p, c.secret)
	form := make(url.Values, len(p))
	for k, v := range p {
		form.Set(k, v)
	}
	return form
}

// call posts op with params and decodes data into out. Reads (idempotent)
// are retried on transport failures; every attempt is signed afresh.
func (c *Client) call(ctx context.Context, op string, params map[string]string, idempotent bool, out any) error {
	attempts := 1
	if idempotent {
		attempts = readAttempts
	}
	var err error
	for i := range attempts {
		if i > 0 {
			if serr := c.sleep(ctx, time.Duration(i)*300*time.Millisecond); serr != nil {
				return err
			}
		}
		err = c.once(ctx, op, params, out)
		if vendors.KindOf(err) != vendors.KindUnavailable || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (c *Client) once(ctx context.Context, op string, params map[string]string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	body := c.signed(params).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+op, strings.NewReader(body))
	if err != nil {
		return c.fail(op, vendors.KindOther, 0, "", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.fail(op, vendors.KindUnavailable, 0, "", redact(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err == nil {
		err = ctx.Err() // a reply that raced our deadline is no reply
	}
	if err != nil {
		return c.fail(op, vendors.KindUnavailable, 0, "", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return c.fail(op, vendors.KindAuth, 5090, "invalid sign", nil)
	case resp.StatusCode >= 500:
		return c.fail(op, vendors.KindUnavailable, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return c.fail(op, vendors.KindOther, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return c.fail(op, vendors.KindMalformed, 0, "", fmt.Errorf("decode reply: %w", err))
	}
	if env.Code != 0 {
		return c.fail(op, kindFor(op, int(env.Code)), int(env.Code), env.Msg, nil)
	}
	if out == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return c.fail(op, vendors.KindMalformed, 0, "", fmt.Errorf("decode data: %w", err))
	}
	return nil
}

func (c *Client) fail(op string, kind vendors.Kind, code int, msg string, err error) error {
	return &vendors.Error{Vendor: Name, Op: op, Kind: kind, Code: code, Msg: msg, Err: err}
}

// redact drops the URL from a transport error: it is our base URL, harmless,
// but the habit keeps query strings with keys out of logs.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Test implements vendors.Adapter: one signed read of the account's company
// (or of a placeholder company when none is set). A refused signature is
// KindAuth; any coded answer means the credentials were accepted.
func (c *Client) Test(ctx context.Context) error {
	company := c.companyNo
	if company == "" {
		company = "0"
	}
	params := map[string]string{"sunmi_company_no": company}
	err := c.call(ctx, "/device/ipc/getListByCompany", params, true, nil)
	switch vendors.KindOf(err) {
	case vendors.KindAuth, vendors.KindUnavailable, vendors.KindMalformed, vendors.KindClock, vendors.KindOther:
		return err
	}
	return nil // signature accepted; an unknown company is expected here
}
