package opretail

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"storelens/internal/vendors"
)

// Name is the vendor name in the registry and in stored accounts.
const Name = "opretail"

// Label is the vendor's display name.
const Label = "OpRetail 万店掌"

// Method names (_mt).
const (
	MethodLogin     = "open.shopweb.security.mobileLogin"
	MethodIndicator = "open.shopweb.passengerFlow.getPassengerIndicatorData"
)

const (
	appSystemID  = "S107" // 002: _aid "fixed as S107"
	version      = "v1"
	timeLayout   = "20060102150405"      // _timestamp yyyyMMddHHmmss
	paramLayout  = "2006-01-02 15:04:05" // business dates
	callTimeout  = 15 * time.Second
	maxReply     = 1 << 20
	readAttempts = 3
	tokenLife    = 50 * time.Minute // renewed before the hour it is said to last

	codeTokenMissing = 9990001
	codeUserWrong    = 103094
	codePasswordBad  = 103095
)

// china is the zone of _timestamp (NOTES item 65).
var china = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// Client is a signed client of one OpRetail developer key and login.
type Client struct {
	base, akey, secret string
	user, password     string
	hc                 *http.Client
	now                func() time.Time
	sleep              func(context.Context, time.Duration) error

	mu      sync.Mutex
	token   string
	tokenAt time.Time
}

// Option adjusts a Client.
type Option func(*Client)

// WithClock sets the clock used for _timestamp and token age.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithBackoff sets how the client waits between retries.
func WithBackoff(f func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// NewClient returns a client for acc: BaseURL is the gateway URL
// (.../cloud.api or .../m.api), AppID the _akey, Secret the key's secret,
// User and Password the mobileLogin.
func NewClient(acc vendors.Account, hc *http.Client, opts ...Option) (*Client, error) {
	u, err := url.Parse(acc.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("opretail: gateway URL %q is not an http(s) URL", acc.BaseURL)
	}
	if acc.AppID == "" || acc.Secret == "" {
		return nil, errors.New("opretail: _akey and secret are required")
	}
	c := &Client{base: u.String(), akey: acc.AppID, secret: acc.Secret, user: acc.User, password: acc.Password,
		hc: hc, now: time.Now, sleep: sleepCtx}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// New is the registry factory.
func New(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) { return NewClient(acc, hc) }

// Vendor implements vendors.Adapter.
func (c *Client) Vendor() string { return Name }

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

// SignString is the text hashed for _sig (NOTES "Signing / OpRetail"):
// every parameter but _sig, empty values included, sorted byte-wise by
// name, name and value concatenated, wrapped in the secret.
func SignString(params map[string]string, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "_sig" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // byte-wise: endTime sorts before endhour
	var b strings.Builder
	b.WriteString(secret)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	b.WriteString(secret)
	return b.String()
}

// Sign is MD5 over SignString, upper-case hex (_sm md5).
func Sign(params map[string]string, secret string) string {
	sum := md5.Sum([]byte(SignString(params, secret)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// stat is the gateway status; code may be a number or a string.
type stat struct {
	Cid      string          `json:"cid"`
	Code     json.RawMessage `json:"code"`
	Codename string          `json:"codename"`
}

type reply struct {
	Stat   stat            `json:"stat"`
	Result json.RawMessage `json:"result"`
	Data   json.RawMessage `json:"data"`
}

func (r reply) code() (int, error) {
	s := strings.Trim(string(bytes.TrimSpace(r.Stat.Code)), `"`)
	if s == "" {
		return 0, errors.New("no stat.code")
	}
	return strconv.Atoi(s)
}

func (r reply) message() string {
	var s string
	if json.Unmarshal(r.Result, &s) == nil && s != "" {
		return s
	}
	return r.Stat.Codename
}

func (c *Client) fail(op string, kind vendors.Kind, code int, msg string, err error) error {
	return &vendors.Error{Vendor: Name, Op: op, Kind: kind, Code: code, Msg: msg, Err: err}
}

// kindFor maps a gateway or business code (002 公共返回码; NOTES item 69).
func kindFor(code int) vendors.Kind {
	switch code {
	case 1, 2, 3, 6, 7, 11, 12, codeUserWrong, codePasswordBad, codeTokenMissing:
		return vendors.KindAuth
	case 4, 5, 8, 9, 10, 13, 15, 17:
		return vendors.KindInvalidParam
	case 14, 16:
		return vendors.KindClock
	case -100:
		return vendors.KindBusy
	case -500, -999:
		return vendors.KindUnavailable
	}
	return vendors.KindOther
}

// form builds the signed body of one call.
func (c *Client) form(method string, biz map[string]string) url.Values {
	p := map[string]string{
		"_aid": appSystemID, "_akey": c.akey, "_mt": method, "_sm": "md5", "_requestMode": "post",
		"_version": version, "_timestamp": c.now().In(china).Format(timeLayout), "_format": "json",
	}
	for k, v := range biz {
		p[k] = v
	}
	p["_sig"] = Sign(p, c.secret)
	v := make(url.Values, len(p))
	for k, x := range p {
		v.Set(k, x)
	}
	return v
}

// once sends one call and decodes data into out.
func (c *Client) once(ctx context.Context, method string, biz map[string]string, token string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base, strings.NewReader(c.form(method, biz).Encode()))
	if err != nil {
		return c.fail(method, vendors.KindOther, 0, "", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("authenticator", token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s: %w", ue.Op, ue.Err) // no URL in logs
		}
		return c.fail(method, vendors.KindUnavailable, 0, "", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return c.fail(method, vendors.KindUnavailable, 0, "", err)
	}
	if resp.StatusCode >= 500 {
		return c.fail(method, vendors.KindUnavailable, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	if resp.StatusCode != http.StatusOK {
		return c.fail(method, vendors.KindOther, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return c.fail(method, vendors.KindMalformed, 0, "", fmt.Errorf("decode reply: %w", err))
	}
	code, err := r.code()
	if err != nil {
		return c.fail(method, vendors.KindMalformed, 0, "", err)
	}
	if code != 0 {
		return c.fail(method, kindFor(code), code, r.message(), nil)
	}
	if out == nil {
		return nil
	}
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return c.fail(method, vendors.KindMalformed, 0, "", errors.New("no data"))
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return c.fail(method, vendors.KindMalformed, 0, "", fmt.Errorf("decode data: %w", err))
	}
	return nil
}

// retriable: transport failures, 5xx and the platform's -500/-999 are tried
// again; -100 (a repeated call) after a second, so the timestamp and the
// _sig change.
func retriable(err error) (bool, time.Duration) {
	var ve *vendors.Error
	if !errors.As(err, &ve) {
		return false, 0
	}
	switch ve.Kind {
	case vendors.KindUnavailable:
		return true, 300 * time.Millisecond
	case vendors.KindBusy:
		return true, 1100 * time.Millisecond
	}
	return false, 0
}

func (c *Client) withRetry(ctx context.Context, f func() error) error {
	var err error
	for i := range readAttempts {
		if i > 0 {
			ok, wait := retriable(err)
			if !ok {
				return err
			}
			if serr := c.sleep(ctx, wait*time.Duration(i)); serr != nil {
				return err
			}
		}
		if err = f(); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// login gets a fresh token with mobileLogin.
func (c *Client) login(ctx context.Context) (string, error) {
	if c.user == "" {
		return "", c.fail(MethodLogin, vendors.KindAuth, 0, "", errors.New("no OpRetail user name set"))
	}
	var data struct {
		Token string `json:"token"`
	}
	err := c.withRetry(ctx, func() error {
		return c.once(ctx, MethodLogin, map[string]string{"userName": c.user, "password": c.password}, "", &data)
	})
	if err != nil {
		return "", err
	}
	if data.Token == "" {
		return "", c.fail(MethodLogin, vendors.KindMalformed, 0, "", errors.New("no token"))
	}
	c.mu.Lock()
	c.token, c.tokenAt = data.Token, c.now()
	c.mu.Unlock()
	return data.Token, nil
}

// cachedToken returns the cached token, or "" when there is none or it is
// old.
func (c *Client) cachedToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" || c.now().Sub(c.tokenAt) > tokenLife {
		return ""
	}
	return c.token
}

// call makes a business call with the cached token, logging in first when
// there is none and once more when the gateway says the token is missing
// or expired (9990001).
func (c *Client) call(ctx context.Context, method string, biz map[string]string, out any) error {
	token := c.cachedToken()
	var err error
	if token == "" {
		if token, err = c.login(ctx); err != nil {
			return err
		}
	}
	err = c.withRetry(ctx, func() error { return c.once(ctx, method, biz, token, out) })
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == codeTokenMissing {
		if token, err = c.login(ctx); err != nil {
			return err
		}
		err = c.withRetry(ctx, func() error { return c.once(ctx, method, biz, token, out) })
	}
	return err
}

// Test implements vendors.Adapter: a real, signed mobileLogin. A refused
// key, signature or login is KindAuth.
func (c *Client) Test(ctx context.Context) error {
	_, err := c.login(ctx)
	return err
}
