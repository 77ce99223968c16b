package senselink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// Name is the vendor name in the registry and in stored accounts.
const Name = "senselink"

// Label is the vendor's display name.
const Label = "SenseTime SenseLink"

const (
	callTimeout  = 15 * time.Second
	maxReply     = 8 << 20
	readAttempts = 3
)

// Client is a signed client of one SenseLink installation.
type Client struct {
	base   string // http(s)://host:port, no trailing slash
	appKey string
	secret string
	hc     *http.Client
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	loc    *time.Location
}

// Option adjusts a Client.
type Option func(*Client)

// WithClock sets the clock used for timestamps.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithBackoff sets how the client waits between read retries.
func WithBackoff(f func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// WithLocation sets the zone of the server's dates (Asia/Shanghai).
func WithLocation(loc *time.Location) Option { return func(c *Client) { c.loc = loc } }

// NewClient returns a client for acc: BaseURL is http(s)://HOST:PORT, AppID
// the app_key and Secret the app_secret (004 §3).
func NewClient(acc vendors.Account, hc *http.Client, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(acc.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("senselink: base URL %q is not an http(s) URL", acc.BaseURL)
	}
	if acc.AppID == "" || acc.Secret == "" {
		return nil, errors.New("senselink: app_key and app_secret are required")
	}
	c := &Client{base: u.String(), appKey: acc.AppID, secret: acc.Secret, hc: hc, now: time.Now, sleep: sleepCtx, loc: shanghai()}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// New is the registry factory.
func New(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) { return NewClient(acc, hc) }

// Vendor implements vendors.Adapter.
func (c *Client) Vendor() string { return Name }

// Test implements vendors.Adapter with the company call (§6.1).
func (c *Client) Test(ctx context.Context) error {
	_, err := c.Company(ctx)
	return err
}

// request is one call.
type request struct {
	Method string     // GET or POST
	Path   string     // e.g. "/api/v1/company"
	Params url.Values // business parameters
	Files  []File     // POST only: file parts (never signed: the sign covers only the timestamp)
	Read   bool       // idempotent: retried on transport failures
	// Whole decodes the whole reply into out, not its data: the face
	// check puts face_number at the top (NOTES 87).
	Whole bool
}

// File is a file part of a POST.
type File struct {
	Field, Name, ContentType string
	Data                     []byte
}

// envelope is every reply: {code, message, data}.
type envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Desc    string          `json:"desc"`
	Data    json.RawMessage `json:"data"`
}

// call performs r and decodes data into out (nil to ignore).
func (c *Client) call(ctx context.Context, r request, out any) error {
	attempts := 1
	if r.Read {
		attempts = readAttempts
	}
	var err error
	for i := range attempts {
		if i > 0 {
			if serr := c.sleep(ctx, time.Duration(i)*300*time.Millisecond); serr != nil {
				return err
			}
		}
		err = c.once(ctx, r, out)
		if vendors.KindOf(err) != vendors.KindUnavailable || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// signed returns r's parameters with app_key, timestamp and sign (004 §4).
func (c *Client) signed(r request) url.Values {
	p := url.Values{}
	// Empty values are sent: several of 004's parameters are "required
	// but may be empty" (NOTES 83). Callers leave optional ones out.
	for k, vs := range r.Params {
		p[k] = append([]string(nil), vs...)
	}
	ts := Timestamp(c.now())
	p.Set("app_key", c.appKey)
	p.Set("timestamp", ts)
	p.Set("sign", Sign(ts, c.secret))
	return p
}

func (c *Client) once(ctx context.Context, r request, out any) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	p := c.signed(r)
	var req *http.Request
	var err error
	if r.Method == http.MethodGet {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, c.base+r.Path+"?"+p.Encode(), nil)
	} else {
		var body bytes.Buffer
		ct, berr := formData(&body, p, r.Files)
		if berr != nil {
			return c.fail(r.Path, vendors.KindOther, 0, "", berr)
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.base+r.Path, &body)
		if err == nil {
			req.Header.Set("Content-Type", ct)
		}
	}
	if err != nil {
		return c.fail(r.Path, vendors.KindOther, 0, "", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // the URL holds the sign: never in an error
			err = fmt.Errorf("%s %s: %w", r.Method, r.Path, ue.Err)
		}
		return c.fail(r.Path, vendors.KindUnavailable, 0, "", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return c.fail(r.Path, vendors.KindUnavailable, 0, "", err)
	}
	if resp.StatusCode >= 500 {
		return c.fail(r.Path, vendors.KindUnavailable, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		if resp.StatusCode != http.StatusOK {
			return c.fail(r.Path, vendors.KindOther, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
		}
		return c.fail(r.Path, vendors.KindMalformed, 0, "", fmt.Errorf("decode reply: %w", err))
	}
	if env.Code != codeOK {
		msg := env.Message
		if env.Desc != "" {
			msg = strings.TrimSpace(msg + " " + env.Desc)
		}
		err := c.fail(r.Path, kindFor(r.Path, env.Code), env.Code, msg, nil)
		if env.Code == codeSimilar {
			return similar(err.(*vendors.Error), env.Data)
		}
		return err
	}
	if r.Whole && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return c.fail(r.Path, vendors.KindMalformed, 0, "", fmt.Errorf("decode reply: %w", err))
		}
		return nil
	}
	if out == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return c.fail(r.Path, vendors.KindMalformed, 0, "", fmt.Errorf("decode data: %w", err))
	}
	return nil
}

// formData writes the parameters (sorted, for stable bodies) and files as
// multipart/form-data.
func formData(w io.Writer, p url.Values, files []File) (string, error) {
	mw := multipart.NewWriter(w)
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range p[k] {
			if err := mw.WriteField(k, v); err != nil {
				return "", err
			}
		}
	}
	for _, f := range files {
		h := map[string][]string{
			"Content-Disposition": {fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Field, f.Name)},
			"Content-Type":        {f.ContentType},
		}
		part, err := mw.CreatePart(h)
		if err != nil {
			return "", err
		}
		if _, err := part.Write(f.Data); err != nil {
			return "", err
		}
	}
	return mw.FormDataContentType(), mw.Close()
}

func (c *Client) fail(op string, kind vendors.Kind, code int, msg string, err error) error {
	return &vendors.Error{Vendor: Name, Op: op, Kind: kind, Code: code, Msg: msg, Err: err}
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
