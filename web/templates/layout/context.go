// Package layout holds the page frame (top bar, navigation, flash) and the
// error page, and the request-scoped values templates read from ctx.
package layout

import "context"

// Viewer is the signed-in user as the frame shows it.
type Viewer struct {
	Username    string
	DisplayName string
	IsAdmin     bool
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // "ok" or "error"
	Text string
}

// NavItem is one entry of the top navigation.
type NavItem struct {
	Href    string
	Key     string // message id of its label
	Section string // the section it lights up
}

// Frame is everything the page frame needs from the request.
type Frame struct {
	Viewer *Viewer // nil when signed out
	Nav    []NavItem
	Path   string // current path and query, for the language switch
	Flash  *Flash
	Demo   bool
}

type frameKey struct{}

// WithFrame puts the frame values in ctx.
func WithFrame(ctx context.Context, f Frame) context.Context {
	return context.WithValue(ctx, frameKey{}, f)
}

// FrameFrom returns the frame values of ctx (zero when none).
func FrameFrom(ctx context.Context) Frame {
	f, _ := ctx.Value(frameKey{}).(Frame)
	return f
}

// Name is what the top bar calls the viewer.
func (v *Viewer) Name() string {
	if v.DisplayName != "" {
		return v.DisplayName
	}
	return v.Username
}
