package sim

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// 003 IPC Notification Center 1.2: hook subscriptions. Posting the events
// themselves (1.3) belongs to whoever adds event delivery.
func init() {
	register("/hook/add", authSigned, addHook)
	register("/hook/delete", authSigned, deleteHook)
	register("/hook/query", authSigned, queryHooks)
}

// topics reads event_list, a JSON array of topics (NOTES 45); the face
// topic exists on FM020 only. A bad list is 310.
func (c *Camera) topics(q *Request) ([]string, bool) {
	var list []string
	if err := json.Unmarshal([]byte(q.Params["event_list"]), &list); err != nil || len(list) == 0 {
		return nil, false
	}
	for _, t := range list {
		switch {
		case t == "dynamic_detect_event":
		case t == "face_recog_event" && c.opt.Model == "FM020":
		default:
			return nil, false
		}
	}
	return list, true
}

// addHook stores the callback for each topic. The camera keeps it as
// host:port/path without the scheme, as hook/query's example shows
// (NOTES 44). A callback that is not an http(s) URL is 311.
func addHook(c *Camera, q *Request) (int, any) {
	list, ok := c.topics(q)
	if !ok {
		return codeHookEvent, nil
	}
	u, err := url.Parse(q.Params["http_callback"])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return codeHookCallback, nil
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
	list, ok := c.topics(q)
	if !ok {
		return codeHookEvent, nil
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
