package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"storelens/internal/models"
)

// Rule kinds a shop admin chooses (issue 17, rules). Each is one row of
// alert_rules per shop (migration 0028), enabled per channel.
const (
	RuleVIP     = "vip"     // a shop's alert group arrives (the first slice's rule)
	RuleOffline = "offline" // a camera (or the on-site connector) offline for N minutes, and back
	RuleDrop    = "drop"    // today's entries N % below the same weekday's average so far
	RuleDaily   = "daily"   // a daily summary at a chosen shop time
	RuleWeekly  = "weekly"  // a weekly report on Monday with a chart picture
)

// RuleKinds is every kind, in the page's order.
var RuleKinds = []string{RuleVIP, RuleOffline, RuleDrop, RuleDaily, RuleWeekly}

// Defaults of the rules' parameters.
const (
	DefaultOfflineMinutes = 10
	DefaultDropPercent    = 30
	DefaultDailyAt        = 21 * 60 // 21:00
	DefaultWeeklyAt       = 9 * 60  // Monday 09:00
)

// Bounds of the parameters.
const (
	MaxOfflineMinutes = 24 * 60
	MaxDropPercent    = 99
)

// Rule errors (the page words them).
var (
	ErrRuleKind      = errors.New("alerts: unknown rule kind")
	ErrRuleThreshold = errors.New("alerts: rule threshold out of range")
	ErrRuleTime      = errors.New("alerts: rule time out of range")
	ErrRuleChannel   = errors.New("alerts: channel not of the shop")
)

// ValidRuleKind reports whether k is a rule kind.
func ValidRuleKind(k string) bool {
	for _, x := range RuleKinds {
		if x == k {
			return true
		}
	}
	return false
}

// DefaultRule is a kind's rule before the shop saved one: the VIP rule
// sends to every channel of the shop (as before rules existed), the others
// are off.
func DefaultRule(shopID uint, kind string, chans []models.AlertChannel) models.AlertRule {
	r := models.AlertRule{ShopID: shopID, Kind: kind}
	switch kind {
	case RuleVIP:
		r.Enabled = true
		for _, c := range chans {
			r.Channels = append(r.Channels, c.ID)
		}
	case RuleOffline:
		r.Threshold = DefaultOfflineMinutes
	case RuleDrop:
		r.Threshold = DefaultDropPercent
	case RuleDaily:
		r.AtMinute = DefaultDailyAt
	case RuleWeekly:
		r.AtMinute = DefaultWeeklyAt
	}
	return r
}

// ParseClock reads "HH:MM" (00:00..23:59) as minutes after midnight.
func ParseClock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// Clock writes minutes after midnight as "HH:MM".
func Clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// CheckRule checks a rule's parameters and that its channels are the
// shop's (its own or the chain's).
func CheckRule(r models.AlertRule, chans []models.AlertChannel) error {
	if !ValidRuleKind(r.Kind) {
		return ErrRuleKind
	}
	switch r.Kind {
	case RuleOffline:
		if r.Threshold < 1 || r.Threshold > MaxOfflineMinutes {
			return ErrRuleThreshold
		}
	case RuleDrop:
		if r.Threshold < 1 || r.Threshold > MaxDropPercent {
			return ErrRuleThreshold
		}
	}
	for _, m := range []int{r.AtMinute, r.QuietFrom, r.QuietTo} {
		if m < 0 || m >= 24*60 {
			return ErrRuleTime
		}
	}
	ok := map[uint]bool{}
	for _, c := range chans {
		ok[c.ID] = true
	}
	for _, id := range r.Channels {
		if !ok[id] {
			return ErrRuleChannel
		}
	}
	return nil
}

// HasQuiet reports whether a rule has quiet hours.
func HasQuiet(r models.AlertRule) bool { return r.QuietFrom != r.QuietTo }

// QuietUntil is when the rule's quiet hours that hold at now end (in the
// shop's zone); ok false when now is not in quiet hours.
func QuietUntil(r models.AlertRule, now time.Time, tz *time.Location) (time.Time, bool) {
	if !HasQuiet(r) {
		return time.Time{}, false
	}
	l := now.In(tz)
	m := l.Hour()*60 + l.Minute()
	from, to := r.QuietFrom, r.QuietTo
	in := (from < to && m >= from && m < to) || (from > to && (m >= from || m < to))
	if !in {
		return time.Time{}, false
	}
	end := time.Date(l.Year(), l.Month(), l.Day(), to/60, to%60, 0, 0, tz)
	if m >= to { // across midnight: they end tomorrow
		end = time.Date(l.Year(), l.Month(), l.Day()+1, to/60, to%60, 0, 0, tz)
	}
	return end, true
}

// SaveRule checks and stores a shop's rule.
func (s *Service) SaveRule(ctx context.Context, r *models.AlertRule) error {
	chans, err := s.cfg.Store.AlertChannelsOf(ctx, r.ShopID)
	if err != nil {
		return err
	}
	if err := CheckRule(*r, chans); err != nil {
		return err
	}
	return s.cfg.Store.SaveAlertRule(ctx, r)
}

// RulesOf is a shop's rules, every kind (the stored one or its default),
// in RuleKinds order.
func (s *Service) RulesOf(ctx context.Context, shopID uint) ([]models.AlertRule, []models.AlertChannel, error) {
	chans, err := s.cfg.Store.AlertChannelsOf(ctx, shopID)
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.cfg.Store.AlertRulesOf(ctx, shopID)
	if err != nil {
		return nil, nil, err
	}
	by := map[string]models.AlertRule{}
	for _, r := range stored {
		by[r.Kind] = r
	}
	out := make([]models.AlertRule, 0, len(RuleKinds))
	for _, k := range RuleKinds {
		if r, ok := by[k]; ok {
			out = append(out, r)
		} else {
			out = append(out, DefaultRule(shopID, k, chans))
		}
	}
	return out, chans, nil
}

// applyVIPRules routes the VIP messages by their shops' VIP rules: a shop
// with no VIP rule stored keeps the first slice's behaviour (every enabled
// channel, at once); with one, only its channels while it is enabled, and
// a message made in its quiet hours is held until they end.
func (s *Service) applyVIPRules(ctx context.Context, rows []models.AlertOutbox, now time.Time) ([]models.AlertOutbox, error) {
	type vip struct {
		rule  *models.AlertRule
		chans map[uint]bool
		tz    *time.Location
	}
	by := map[uint]vip{}
	out := rows[:0]
	for _, o := range rows {
		if o.ShopID == nil {
			out = append(out, o)
			continue
		}
		v, ok := by[*o.ShopID]
		if !ok {
			r, err := s.cfg.Store.AlertRule(ctx, *o.ShopID, RuleVIP)
			switch {
			case errors.Is(err, models.ErrNotFound):
			case err != nil:
				return nil, err
			default:
				v.rule = &r
				v.chans = map[uint]bool{}
				for _, c := range r.Channels {
					v.chans[c] = true
				}
				sh, err := s.shops.get(ctx, s.cfg.Store, *o.ShopID)
				if err != nil {
					return nil, err
				}
				v.tz = sh.tz
			}
			by[*o.ShopID] = v
		}
		if v.rule == nil {
			out = append(out, o)
			continue
		}
		if !v.rule.Enabled || !v.chans[o.ChannelID] {
			continue
		}
		if end, quiet := QuietUntil(*v.rule, now, v.tz); quiet {
			o.NextAt, o.Held = end.UTC(), true
		}
		out = append(out, o)
	}
	return out, nil
}

// RuleMessage is one happening of a rule: its dedupe key (the same
// happening is one message per channel, whoever makes it, however often).
type RuleMessage struct {
	Key string
	Message
}

// EnqueueRule stores a rule's message for each of its channels that is
// enabled and still the shop's; in the rule's quiet hours it is held
// until they end. It returns how many messages were new.
func (s *Service) EnqueueRule(ctx context.Context, r models.AlertRule, m RuleMessage) (int64, error) {
	if !r.Enabled || len(r.Channels) == 0 {
		return 0, nil
	}
	chans, err := s.cfg.Store.AlertChannelsOf(ctx, r.ShopID)
	if err != nil {
		return 0, err
	}
	want := map[uint]bool{}
	for _, c := range r.Channels {
		want[c] = true
	}
	sh, err := s.shops.get(ctx, s.cfg.Store, r.ShopID)
	if err != nil {
		return 0, err
	}
	now := s.cfg.Now().UTC()
	next, held := now, false
	if end, quiet := QuietUntil(r, now, sh.tz); quiet {
		next, held = end.UTC(), true
	}
	var rows []models.AlertOutbox
	for _, c := range chans {
		if !c.Enabled || !want[c.ID] {
			continue
		}
		shop := r.ShopID
		rows = append(rows, models.AlertOutbox{ChannelID: c.ID, ShopID: &shop, DedupeKey: m.Key, Kind: r.Kind,
			Title: m.Title, Body: m.Markdown, PictureURL: m.PictureURL, Link: m.Link, State: models.OutboxPending,
			NextAt: next, CreatedAt: now, Held: held})
	}
	n, err := s.cfg.Store.EnqueueAlerts(ctx, rows)
	if n > 0 && !held {
		s.poke()
	}
	return n, err
}

// HeldSummaryMin is how many held messages released at once go out as one
// summary instead of one by one.
const HeldSummaryMin = 3

// foldHeld replaces a channel's due held messages, when there are at least
// HeldSummaryMin, by one summary of them (quiet hours have ended: the
// group gets one message, not a burst).
func (s *Service) foldHeld(ctx context.Context, c models.AlertChannel, msgs []*models.AlertOutbox) []*models.AlertOutbox {
	var held, rest []*models.AlertOutbox
	for _, m := range msgs {
		if m.Held && m.Kind != "summary" {
			held = append(held, m)
		} else {
			rest = append(rest, m)
		}
	}
	if len(held) < HeldSummaryMin {
		return msgs
	}
	now := s.cfg.Now().UTC()
	var b strings.Builder
	head := fmt.Sprintf("### 免打扰时段内的 %d 条提醒\n\n", len(held))
	var ids []int64
	for _, m := range held {
		line := "- " + m.Title
		if m.Link != "" {
			line += fmt.Sprintf(" [查看](%s)", m.Link)
		}
		line += "\n"
		if len(head)+b.Len()+len(line) > MaxMarkdown-64 {
			break
		}
		b.WriteString(line)
		ids = append(ids, m.ID)
	}
	sum := &models.AlertOutbox{ChannelID: c.ID, ShopID: c.ShopID, DedupeKey: fmt.Sprintf("quiet:%d-%d", ids[0], ids[len(ids)-1]),
		Kind: "summary", Title: fmt.Sprintf("免打扰时段内的 %d 条提醒", len(ids)), Body: head + b.String(),
		State: models.OutboxPending, NextAt: now, CreatedAt: now}
	if err := s.cfg.Store.SummariseAlerts(ctx, sum, ids); err != nil {
		s.log.Warn("alerts: quiet-hours summary not stored", "channel", c.ID, "err", err)
		return msgs
	}
	out := []*models.AlertOutbox{sum}
	for _, m := range held[len(ids):] {
		out = append(out, m)
	}
	return append(out, rest...)
}
