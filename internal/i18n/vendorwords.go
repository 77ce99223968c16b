package i18n

import (
	"context"
	"strings"
)

// VendorKind says what a vendor's word names: the same word can mean
// different things ("regular" is a group; "online" a device state).
type VendorKind string

// The kinds of vendor words the UI translates.
const (
	VendorName  VendorKind = "vendor"   // a vendor adapter's name ("sunmicloud")
	GroupName   VendorKind = "group"    // a face group a vendor creates by default ("stranger", "regular")
	EventKind   VendorKind = "event"    // an event type as the vendor sends it ("face_recog_event")
	DeviceState VendorKind = "state"    // a device or link state ("online", "offline")
	Language    VendorKind = "language" // a language code a device reports ("zh", "en")
)

// VendorKey is the catalogue key of a vendor's word: words.<kind>.<word>,
// the word lower-cased with spaces, dashes and dots made underscores
// ("Face Recog-Event" -> words.event.face_recog_event).
func VendorKey(kind VendorKind, raw string) string {
	w := strings.ToLower(strings.TrimSpace(raw))
	w = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/':
			return '_'
		}
		return r
	}, w)
	return "words." + string(kind) + "." + w
}

// Vendor translates a vendor's default value — the names it gives the face
// groups it creates, the event kinds and device states it reports — from
// the catalogue (words.*.toml), the one place these words are translated.
// A value the catalogue does not know (a group the manager named, a state a
// newer firmware sends) comes back as it is: it is the user's or vendor's
// own word, and showing it beats showing nothing.
func (l *Localizer) Vendor(kind VendorKind, raw string) string {
	if raw == "" {
		return ""
	}
	if s, ok := l.plain[VendorKey(kind, raw)]; ok {
		return s
	}
	return raw
}

// KnowsVendor reports whether the catalogue has words for a vendor value.
func (l *Localizer) KnowsVendor(kind VendorKind, raw string) bool {
	_, ok := l.plain[VendorKey(kind, raw)]
	return ok
}

// VendorOr is Vendor with another fallback than the raw value (a vendor's
// registry label when the catalogue has no words for it).
func (l *Localizer) VendorOr(kind VendorKind, raw, fallback string) string {
	if l.KnowsVendor(kind, raw) {
		return l.Vendor(kind, raw)
	}
	return fallback
}

// VendorOr is From(ctx).VendorOr(kind, raw, fallback).
func VendorOr(ctx context.Context, kind VendorKind, raw, fallback string) string {
	return From(ctx).VendorOr(kind, raw, fallback)
}

// Vendor is From(ctx).Vendor(kind, raw), the form templates use.
func Vendor(ctx context.Context, kind VendorKind, raw string) string {
	return From(ctx).Vendor(kind, raw)
}
