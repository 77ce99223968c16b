// Package i18n translates the UI into Simplified Chinese and English with
// go-i18n message files embedded in the binary. The language comes from the
// "lang" cookie (the switch in the top bar), else Accept-Language, else
// Chinese: most of our users are Chinese store managers.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var files embed.FS

// The supported languages; the first is the default.
var (
	Chinese = language.MustParse("zh-CN")
	English = language.English
	tags    = []language.Tag{Chinese, English}
	matcher = language.NewMatcher(tags)
)

// CookieName is the cookie that remembers the chosen language.
const CookieName = "lang"

// Bundle holds every message of every language.
type Bundle struct {
	b       *goi18n.Bundle
	plain   map[string]map[string]string // lang -> id -> text, for messages without data
	locales map[string]*Localizer
}

// Localizer translates for one language.
type Localizer struct {
	Lang  string // "zh-CN" or "en"
	l     *goi18n.Localizer
	plain map[string]string
}

// Load parses the embedded message files. Each area keeps its own pair,
// locales/<area>.<lang>.toml (the base pair is <lang>.toml); go-i18n reads
// the language from the name.
func Load() (*Bundle, error) {
	b := goi18n.NewBundle(Chinese)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(files, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := b.LoadMessageFileFS(files, name); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
	}
	out := &Bundle{b: b, plain: map[string]map[string]string{}, locales: map[string]*Localizer{}}
	for _, tag := range tags {
		lang := tag.String()
		l := goi18n.NewLocalizer(b, lang)
		plain := map[string]string{}
		for _, id := range messageIDs(b, tag) {
			// Messages without {{ }} never change: render once, look up after.
			if text, err := l.Localize(&goi18n.LocalizeConfig{MessageID: id}); err == nil && !strings.Contains(text, "<no value>") {
				plain[id] = text
			}
		}
		out.plain[lang] = plain
		out.locales[lang] = &Localizer{Lang: lang, l: l, plain: plain}
	}
	return out, nil
}

// MustLoad is Load for tests and main.
func MustLoad() *Bundle {
	b, err := Load()
	if err != nil {
		panic(err)
	}
	return b
}

// messageIDs lists the ids in every message file of a language.
func messageIDs(_ *goi18n.Bundle, tag language.Tag) []string {
	names, _ := fs.Glob(files, "locales/*.toml")
	var ids []string
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".toml")
		if base != tag.String() && !strings.HasSuffix(base, "."+tag.String()) {
			continue
		}
		f, err := files.ReadFile(name)
		if err != nil {
			continue
		}
		var m map[string]any
		if err := toml.Unmarshal(f, &m); err != nil {
			continue
		}
		for id := range m {
			ids = append(ids, id)
		}
	}
	return ids
}

// Keys lists the message ids of a language, for tests.
func (b *Bundle) Keys(lang string) map[string]string { return b.plain[lang] }

// For returns the localizer of a supported language tag ("en", "zh-CN").
func (b *Bundle) For(lang string) *Localizer {
	if l, ok := b.locales[lang]; ok {
		return l
	}
	return b.locales[Chinese.String()]
}

// Pick chooses the language for a request: the cookie, then
// Accept-Language, then Chinese.
func (b *Bundle) Pick(r *http.Request) *Localizer {
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := b.locales[c.Value]; ok {
			return l
		}
	}
	_, i, conf := matcher.Match(parseAccept(r.Header.Get("Accept-Language"))...)
	if conf == language.No {
		return b.For(Chinese.String())
	}
	return b.For(tags[i].String())
}

func parseAccept(h string) []language.Tag {
	t, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(t) == 0 {
		return []language.Tag{Chinese}
	}
	return t
}

// Supported reports whether lang is a language the UI speaks.
func (b *Bundle) Supported(lang string) bool { _, ok := b.locales[lang]; return ok }

// T translates a message without data; an unknown id comes back as itself,
// so a missing translation is visible rather than blank.
func (l *Localizer) T(id string) string {
	if s, ok := l.plain[id]; ok {
		return s
	}
	return l.Tf(id, nil)
}

// Tf translates a message with template data ({{.Name}}).
func (l *Localizer) Tf(id string, data map[string]any) string {
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Tn translates a message with plural forms for count.
func (l *Localizer) Tn(id string, count int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = count
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

type ctxKey struct{}

// WithLocalizer puts l in ctx for templates.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the request's localizer; English when none was set, which
// only happens in tests that render a component bare.
func From(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok {
		return l
	}
	return fallback
}

var fallback = MustLoad().For("en")

// T is From(ctx).T(id), the form templates use.
func T(ctx context.Context, id string) string { return From(ctx).T(id) }

// Tf is From(ctx).Tf(id, data).
func Tf(ctx context.Context, id string, data map[string]any) string { return From(ctx).Tf(id, data) }

// Tn is From(ctx).Tn(id, count, data).
func Tn(ctx context.Context, id string, count int, data map[string]any) string {
	return From(ctx).Tn(id, count, data)
}
