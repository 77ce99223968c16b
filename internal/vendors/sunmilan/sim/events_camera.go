package sim

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
)

// mediaPrefix is where the camera keeps the pictures and clips its events
// link to (003 §1.3, §2.5 examples).
const mediaPrefix = "/mnt/sd-card/"

// newNotifier gives the camera its notification center (003 IPC
// Notification Center): the same SN, app, certificate and hook
// subscriptions as its device API, so one simulated camera serves the
// device API, the message channel and the webhooks.
func (c *Camera) newNotifier() *notifier {
	logf := c.opt.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return newNotifier(notifierOptions{EventOptions: c.opt.Events, SN: c.opt.SN, Model: c.opt.Model,
		AppID: c.opt.AppID, Secret: c.opt.Secret, Now: c.now, Logf: logf,
		Cert: func() tls.Certificate {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.cert
		},
		Hooks: func(topic string) []string {
			c.mu.Lock()
			defer c.mu.Unlock()
			return slices.Clone(c.st.Hooks[topic])
		},
		MediaBase: func() string {
			if a := c.Addr(); a != "" {
				return "https://" + a
			}
			return ""
		}})
}

// ListenChannel serves the message channel (003 §2) over TLS with the
// camera's certificate on addr, a loopback address ("127.0.0.1:0" for any
// free port; the real camera's is 10021).
func (c *Camera) ListenChannel(addr string) (net.Addr, error) { return c.ev.ListenChannel(addr) }

// Emit produces an event now (to the channel's subscribers and the hook
// callbacks) and returns its event_id; 0 for a face on an FM010.
func (c *Camera) Emit(s Spec) int64 { return c.ev.Emit(s) }

// Generate emits a shop's day of events until ctx ends.
func (c *Camera) Generate(ctx context.Context, g Generator) { c.ev.Generate(ctx, g) }

// SetEventFaults arms the notification center's one-shot fault knobs.
func (c *Camera) SetEventFaults(f EventFaults) { c.ev.SetFaults(f) }

// Acked lists the event ids acknowledged with PUBACK on the channel.
func (c *Camera) Acked() []int64 { return c.ev.Acked() }

// Posted lists the event ids a webhook callback accepted.
func (c *Camera) Posted() []int64 { return c.ev.Posted() }

// Pending is how many channel events wait for their PUBACK.
func (c *Camera) Pending() int { return c.ev.Pending() }

// ChannelSessions is how many message-channel clients are subscribed.
func (c *Camera) ChannelSessions() int { return c.ev.Connected() }

// Subscriptions lists the hook callbacks by topic, as hook/query does.
func (c *Camera) Subscriptions() map[string][]string { return c.State().Hooks }
