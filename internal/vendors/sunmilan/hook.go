package sunmilan

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// The hook topics of 003 IPC Notification Center 1.2. Face recognition
// events exist on FM020 only (NOTES 45).
const (
	EventFaceRecog     = "face_recog_event"
	EventDynamicDetect = "dynamic_detect_event"
)

// Subscription is one topic and the callbacks the camera posts it to.
type Subscription struct {
	Event     string
	Callbacks []string // as the camera keeps them: often host:port without a scheme (NOTES 44)
}

func checkEvents(op string, events []string) error {
	if len(events) == 0 {
		return check(op, &FieldError{Field: "event_list", Rule: RuleRequired})
	}
	for _, e := range events {
		if fe := oneOf("event_list", e, EventFaceRecog, EventDynamicDetect); fe != nil {
			return check(op, fe)
		}
	}
	return nil
}

// eventList is event_list as JSON text, signed as that text (NOTES "Signing").
func eventList(events []string) string {
	b, _ := json.Marshal(events)
	return string(b)
}

// AddHook subscribes callback to events (/hook/add). callback is where the
// camera posts its signed multipart messages.
func (c *Client) AddHook(ctx context.Context, events []string, callback string) error {
	const op = "/hook/add"
	if err := checkEvents(op, events); err != nil {
		return err
	}
	if u, err := url.Parse(callback); err != nil || callback == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return check(op, &FieldError{Field: "http_callback", Rule: RuleRequired})
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"event_list": eventList(events), "http_callback": callback}}, nil)
}

// DeleteHook unsubscribes events (/hook/delete).
func (c *Client) DeleteHook(ctx context.Context, events []string) error {
	const op = "/hook/delete"
	if err := checkEvents(op, events); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"event_list": eventList(events)}}, nil)
}

// Hooks lists the subscriptions (/hook/query).
func (c *Client) Hooks(ctx context.Context) ([]Subscription, error) {
	var d struct {
		Num  num `json:"num"`
		Subs []struct {
			Event     text   `json:"event"`
			Callbacks []text `json:"http_callback"`
		} `json:"sub_event"`
	}
	if err := c.call(ctx, request{Path: "/hook/query", Read: true}, &d); err != nil {
		return nil, err
	}
	out := make([]Subscription, 0, len(d.Subs))
	for _, s := range d.Subs {
		sub := Subscription{Event: string(s.Event)}
		for _, cb := range s.Callbacks {
			sub.Callbacks = append(sub.Callbacks, string(cb))
		}
		out = append(out, sub)
	}
	return out, nil
}

// SameCallback reports whether a callback the camera lists (maybe without a
// scheme) is ours.
func SameCallback(listed, ours string) bool {
	strip := func(s string) string {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
		return strings.TrimRight(s, "/")
	}
	return strip(listed) == strip(ours)
}
