package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// AlertRule is one of a shop's alert rules (issue 17, migration 0028): a
// kind ("vip", "offline", "drop", "daily", "weekly"), its parameters, the
// quiet hours, and the channels it sends to (alert_rule_channels).
type AlertRule struct {
	ID      uint `gorm:"primaryKey"`
	ShopID  uint
	Kind    string
	Enabled bool
	// Threshold: the offline rule's minutes, the drop rule's percent.
	Threshold int
	// AtMinute: the daily and weekly rules' time, minutes after midnight
	// in shop time.
	AtMinute int
	// QuietFrom..QuietTo: quiet hours in shop time (minutes after
	// midnight; across midnight when From > To); equal: none.
	QuietFrom, QuietTo int
	UpdatedAt          time.Time
	// Channels are the ids of the channels the rule sends to.
	Channels []uint `gorm:"-"`
}

func (AlertRule) TableName() string { return "alert_rules" }

// AlertRuleChannel is one channel a rule sends to.
type AlertRuleChannel struct {
	RuleID    uint `gorm:"primaryKey;autoIncrement:false"`
	ChannelID uint `gorm:"primaryKey;autoIncrement:false"`
}

func (AlertRuleChannel) TableName() string { return "alert_rule_channels" }

// AlertRulesOf lists a shop's stored rules with their channels, by kind.
func (s *Store) AlertRulesOf(ctx context.Context, shopID uint) ([]AlertRule, error) {
	var rules []AlertRule
	if err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Order("kind").Find(&rules).Error; err != nil {
		return nil, err
	}
	return rules, s.fillRuleChannels(ctx, rules)
}

// EnabledAlertRules lists every enabled rule of a kind, in every shop.
func (s *Store) EnabledAlertRules(ctx context.Context, kind string) ([]AlertRule, error) {
	var rules []AlertRule
	if err := s.db.WithContext(ctx).Where("kind = ? AND enabled = ?", kind, true).Order("shop_id").Find(&rules).Error; err != nil {
		return nil, err
	}
	return rules, s.fillRuleChannels(ctx, rules)
}

// AlertRule returns a shop's rule of a kind (ErrNotFound: none stored).
func (s *Store) AlertRule(ctx context.Context, shopID uint, kind string) (AlertRule, error) {
	var r AlertRule
	err := s.db.WithContext(ctx).Where("shop_id = ? AND kind = ?", shopID, kind).First(&r).Error
	if err != nil {
		return r, translate(err)
	}
	rules := []AlertRule{r}
	err = s.fillRuleChannels(ctx, rules)
	return rules[0], err
}

func (s *Store) fillRuleChannels(ctx context.Context, rules []AlertRule) error {
	if len(rules) == 0 {
		return nil
	}
	ids := make([]uint, len(rules))
	at := map[uint]int{}
	for i, r := range rules {
		ids[i], at[r.ID] = r.ID, i
	}
	var links []AlertRuleChannel
	if err := s.db.WithContext(ctx).Where("rule_id IN ?", ids).Order("rule_id, channel_id").Find(&links).Error; err != nil {
		return err
	}
	for _, l := range links {
		r := &rules[at[l.RuleID]]
		r.Channels = append(r.Channels, l.ChannelID)
	}
	return nil
}

// SaveAlertRule stores a shop's rule of its kind (insert or update) and
// replaces its channels, in one transaction.
func (s *Store) SaveAlertRule(ctx context.Context, r *AlertRule) error {
	r.UpdatedAt = s.Now()
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old AlertRule
		err := tx.Where("shop_id = ? AND kind = ?", r.ShopID, r.Kind).First(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			r.ID = 0
			if err := tx.Create(r).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			r.ID = old.ID
			if err := tx.Model(r).Select("enabled", "threshold", "at_minute", "quiet_from", "quiet_to", "updated_at").
				Updates(r).Error; err != nil {
				return err
			}
		}
		if err := tx.Where("rule_id = ?", r.ID).Delete(&AlertRuleChannel{}).Error; err != nil {
			return err
		}
		for _, c := range r.Channels {
			if err := tx.Create(&AlertRuleChannel{RuleID: r.ID, ChannelID: c}).Error; err != nil {
				return err
			}
		}
		return nil
	}))
}

// RuleOutbox is an outbox message of a rule (what the checks look back at).
type RuleOutbox struct {
	ChannelID uint
	DedupeKey string
}

// AlertOutboxKeys lists the (channel, dedupe key) of a shop's messages of
// a kind stored since t.
func (s *Store) AlertOutboxKeys(ctx context.Context, shopID uint, kind string, since time.Time) ([]RuleOutbox, error) {
	var out []RuleOutbox
	err := s.db.WithContext(ctx).Model(&AlertOutbox{}).Select("channel_id, dedupe_key").
		Where("shop_id = ? AND kind = ? AND created_at >= ?", shopID, kind, since.UTC()).Order("id").Scan(&out).Error
	return out, err
}

// CamerasOfShops is the shops' cameras (id, name, online, offline since).
func (s *Store) CamerasOfShops(ctx context.Context, shopIDs []uint) ([]Camera, error) {
	var out []Camera
	if len(shopIDs) == 0 {
		return nil, nil
	}
	err := s.db.WithContext(ctx).Select("id, shop_id, name, online, offline_since").Where("shop_id IN ?", shopIDs).
		Order("shop_id, id").Find(&out).Error
	return out, err
}

// CountAlertEvents counts a shop's alert events (its alert groups
// arriving) in [from, to).
func (s *Store) CountAlertEvents(ctx context.Context, shopID uint, from, to time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Event{}).Where("shop_id = ? AND alert = ? AND occurred_at >= ? AND occurred_at < ?",
		shopID, true, from.UTC(), to.UTC()).Count(&n).Error
	return n, err
}
