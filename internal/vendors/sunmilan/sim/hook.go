package sim

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// 003 IPC Notification Center 1.2: hook subscriptions. The events are
// posted to them by the notification center (events.go, webhook.go).
func init() {
	register("/hook/add", authSigned, addHook)
	register("/hook/delete", authSigned, deleteHook)
	register("/hook/query", authSigned, queryHooks)
}

// topics reads event_list, a JSON array of topics (NOTES 45). A bad list
// is 310; the face topic exists on FM020 only (311 on an FM010).
func (c *Camera) topics(q *Request) ([]string, int) {
	var list []string
	if err := json.Unmarshal([]byte(q.Params["event_list"]), &list); err != nil || len(list) == 0 {
		return nil, codeHookEvent
	}
	for _, t := range list {
		switch {
		case t == "dynamic_detect_event":
		case t == "face_recog_event":
			if c.opt.Model != "FM020" {
				return nil, codeHookModel
			}
		default:
			return nil, codeHookEvent
		}
	}
	return list, codeOK
}

// addHook stores the callback for each topic. The camera keeps it as
// host:port/path without the scheme, as hook/query's example shows
// (NOTES 44). A callback that is not an http(s) URL on loopback is 2.
func addHook(c *Camera, q *Request) (int, any) {
	list, code := c.topics(q)
	if code != codeOK {
		return code, nil
	}
	u, err := url.Parse(q.Params["http_callback"])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !loopbackURL(u.String()) {
		return codeParam, nil
	}
	cb := strings.TrimPrefix(strings.TrimPrefix(u.String(), "https://"), "http://")
	for _, t := range list {
		if !slices.Contains(c.st.Hooks[t], cb) {
			c.st.Hooks[t] = append(c.st.Hooks[t], cb)
		}
	}
	return codeOK, nil
}

func deleteHook(c *Camera, q *Request) (int, any) {
	list, code := c.topics(q)
	if code == codeHookModel {
		code = codeHookEvent // hook/delete lists no 311 (003 §1.2.2)
	}
	if code != codeOK {
		return code, nil
	}
	for _, t := range list {
		delete(c.st.Hooks, t)
	}
	return codeOK, nil
}

func queryHooks(c *Camera, _ *Request) (int, any) {
	subs := []map[string]any{}
	for _, t := range []string{"face_recog_event", "dynamic_detect_event"} {
		if cbs := c.st.Hooks[t]; len(cbs) > 0 {
			subs = append(subs, map[string]any{"event": t, "http_callback": slices.Clone(cbs)})
		}
	}
	return codeOK, map[string]any{"num": len(subs), "sub_event": subs}
}
