package lanevents

import (
	"context"
	"encoding/json"
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

// Hooks subscribes a callback URL at one camera's notification center
// (003 §1.2): signed HTTPS POSTs to https://<camera>/openapi/hook/*.
//
// The camera records (address, app credentials, certificate) live with the
// camera LAN adapter; this is the small signed POST the three hook calls
// need, until they move next to that adapter's client.
type Hooks struct {
	BaseURL       string // https://<camera ip>[:port]
	AppID, Secret string
	HTTP          *http.Client // with the camera's certificate pinned, and a timeout
	Now           func() time.Time
}

// Subscription is one topic and its callbacks (003 §1.2.3).
type Subscription struct {
	Event     string
	Callbacks []string
}

// Add subscribes callback to events (003 §1.2.1). Event lists are sent as
// JSON text and signed as that text (NOTES.md "Signing").
func (h *Hooks) Add(ctx context.Context, events []string, callback string) error {
	list, _ := json.Marshal(events)
	_, err := h.post(ctx, "/openapi/hook/add", map[string]string{"event_list": string(list), "http_callback": callback})
	return err
}

// Delete unsubscribes events (003 §1.2.2).
func (h *Hooks) Delete(ctx context.Context, events []string) error {
	list, _ := json.Marshal(events)
	_, err := h.post(ctx, "/openapi/hook/delete", map[string]string{"event_list": string(list)})
	return err
}

// Query lists the subscriptions (003 §1.2.3). Callbacks come back as the
// camera stores them, possibly without a scheme (NOTES.md item 44).
func (h *Hooks) Query(ctx context.Context) ([]Subscription, error) {
	data, err := h.post(ctx, "/openapi/hook/query", map[string]string{})
	if err != nil {
		return nil, err
	}
	var d struct {
		SubEvent []struct {
			Event        string   `json:"event"`
			HTTPCallback []string `json:"http_callback"`
		} `json:"sub_event"`
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, h.err("/openapi/hook/query", vendors.KindMalformed, 0, err)
		}
	}
	out := make([]Subscription, 0, len(d.SubEvent))
	for _, s := range d.SubEvent {
		out = append(out, Subscription{Event: s.Event, Callbacks: s.HTTPCallback})
	}
	return out, nil
}

func (h *Hooks) post(ctx context.Context, path string, params map[string]string) (json.RawMessage, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	params["app_id"] = h.AppID
	params["random"] = RandomString()
	params["timestamp"] = strconv.FormatInt(now().Unix(), 10)
	params["sign"] = sunmisign.Sign(params, h.Secret)
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(h.BaseURL, "/")+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, h.err(path, vendors.KindOther, 0, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := h.HTTP.Do(req)
	if err != nil {
		return nil, h.err(path, vendors.KindUnavailable, 0, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, h.err(path, vendors.KindUnavailable, 0, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, h.err(path, vendors.KindUnavailable, 0, fmt.Errorf("HTTP %d", res.StatusCode))
	}
	var env struct {
		Code *int            `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Code == nil {
		return nil, h.err(path, vendors.KindMalformed, 0, fmt.Errorf("reply %.80q", body))
	}
	if *env.Code != 0 {
		re := &RefusedError{Step: path, Code: *env.Code}
		return nil, &vendors.Error{Vendor: Vendor, Op: path, Kind: re.Kind(), Code: *env.Code, Msg: env.Msg}
	}
	return env.Data, nil
}

func (h *Hooks) err(op string, kind vendors.Kind, code int, err error) error {
	return &vendors.Error{Vendor: Vendor, Op: op, Kind: kind, Code: code, Err: err}
}
