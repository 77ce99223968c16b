package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AlertChannel is a group robot alerts are sent to (issue 17): a shop's,
// or the whole chain's when ShopID is nil. The webhook (which carries the
// robot's token or key) and the signing secret are sealed (internal/secrets).
type AlertChannel struct {
	ID         uint `gorm:"primaryKey"`
	ShopID     *uint
	Kind       string // "dingtalk", "wecom", "feishu" or "email"
	Name       string
	RatePerMin int // the channel's own rate (e-mail); 0: its kind's default
	WebhookEnc []byte
	SecretEnc  []byte
	Enabled    bool
	FailStreak int
	LastError  string
	LastOKAt   *time.Time `gorm:"column:last_ok_at"`
	LastFailAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (AlertChannel) TableName() string { return "alert_channels" }

// Outbox states.
const (
	OutboxPending    = "pending"
	OutboxSent       = "sent"
	OutboxFailed     = "failed"
	OutboxSummarised = "summarised" // delivered inside the summary SummaryID
)

// AlertOutbox is one message, stored before it is sent.
type AlertOutbox struct {
	ID         int64 `gorm:"primaryKey"`
	ChannelID  uint
	ShopID     *uint
	EventID    *int64
	DedupeKey  string
	Kind       string // "event", "test", "summary"
	Title      string
	Body       string // markdown
	PictureURL string
	Link       string
	State      string
	Attempts   int
	NextAt     time.Time
	CreatedAt  time.Time
	SentAt     *time.Time
	SummaryID  *int64
	LastError  string
	// Held: made in a rule's quiet hours, waiting in NextAt until they end
	// (migration 0028; the worker summarises many released at once).
	Held bool
}

func (AlertOutbox) TableName() string { return "alert_outbox" }

// Delivery outcomes.
const (
	DeliverySent    = "sent"
	DeliveryRetried = "retried"
	DeliveryFailed  = "failed"
)

// AlertDelivery is one attempt to send an outbox message.
type AlertDelivery struct {
	ID        int64 `gorm:"primaryKey"`
	ChannelID uint
	OutboxID  int64
	At        time.Time // when the attempt ended
	Outcome   string
	Detail    string
	Millis    int64
}

func (AlertDelivery) TableName() string { return "alert_deliveries" }

// CreateAlertChannel stores a new channel.
func (s *Store) CreateAlertChannel(ctx context.Context, c *AlertChannel) error {
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// UpdateAlertChannel saves a channel's name and enabled flag; the webhook
// and the secret only when not nil (write-only fields: empty keeps them).
// clearSecret removes the signing secret.
func (s *Store) UpdateAlertChannel(ctx context.Context, c *AlertChannel, webhookEnc, secretEnc []byte, clearSecret bool) error {
	cols := []string{"name", "enabled", "rate_per_min"}
	if webhookEnc != nil {
		c.WebhookEnc = webhookEnc
		cols = append(cols, "webhook_enc")
	}
	if secretEnc != nil || clearSecret {
		c.SecretEnc = secretEnc
		cols = append(cols, "secret_enc")
	}
	return translate(s.db.WithContext(ctx).Model(c).Select(cols).Updates(c).Error)
}

// DeleteAlertChannel deletes a channel, its outbox and its log.
func (s *Store) DeleteAlertChannel(ctx context.Context, id uint) error {
	res := s.db.WithContext(ctx).Delete(&AlertChannel{}, id)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// AlertChannel returns one channel.
func (s *Store) AlertChannel(ctx context.Context, id uint) (AlertChannel, error) {
	var c AlertChannel
	return c, translate(s.db.WithContext(ctx).First(&c, id).Error)
}

// AlertChannelsOf lists the channels a shop's alerts go to: its own and
// the chain-wide ones (shop 0: the chain-wide ones only).
func (s *Store) AlertChannelsOf(ctx context.Context, shopID uint) ([]AlertChannel, error) {
	var out []AlertChannel
	q := s.db.WithContext(ctx).Order("id")
	if shopID == 0 {
		q = q.Where("shop_id IS NULL")
	} else {
		q = q.Where("shop_id = ? OR shop_id IS NULL", shopID)
	}
	return out, q.Find(&out).Error
}

// EnqueueAlerts stores messages; a message whose (channel, dedupe key) is
// already stored is skipped. It returns how many were new.
func (s *Store) EnqueueAlerts(ctx context.Context, rows []AlertOutbox) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "channel_id"}, {Name: "dedupe_key"}}, DoNothing: true,
	}).CreateInBatches(rows, 100)
	return res.RowsAffected, translate(res.Error)
}

// CreateAlertOutbox stores one message (a channel's test).
func (s *Store) CreateAlertOutbox(ctx context.Context, o *AlertOutbox) error {
	return translate(s.db.WithContext(ctx).Create(o).Error)
}

// DueAlerts are the pending messages whose time has come, oldest first.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int) ([]AlertOutbox, error) {
	var out []AlertOutbox
	err := s.db.WithContext(ctx).Where("state = ? AND next_at <= ?", OutboxPending, now.UTC()).
		Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// NextAlertDue is when the earliest pending message is due (ok false: none).
func (s *Store) NextAlertDue(ctx context.Context) (time.Time, bool, error) {
	var row AlertOutbox
	err := s.db.WithContext(ctx).Where("state = ?", OutboxPending).Order("next_at").Limit(1).Find(&row).Error
	if err != nil || row.ID == 0 {
		return time.Time{}, false, err
	}
	return row.NextAt, true, nil
}

// AlertOutboxRow returns one message.
func (s *Store) AlertOutboxRow(ctx context.Context, id int64) (AlertOutbox, error) {
	var o AlertOutbox
	return o, translate(s.db.WithContext(ctx).First(&o, id).Error)
}

// RecordAlertAttempt stores an attempt's outcome: the message's new state
// (sent, pending again at next, or failed), the delivery log line and the
// channel's health, in one transaction.
func (s *Store) RecordAlertAttempt(ctx context.Context, o *AlertOutbox, d AlertDelivery) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&AlertOutbox{}).Where("id = ?", o.ID).Updates(map[string]any{
			"state": o.State, "attempts": o.Attempts, "next_at": o.NextAt.UTC(), "sent_at": o.SentAt, "last_error": o.LastError,
		}).Error; err != nil {
			return err
		}
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
		at := d.At.UTC()
		upd := map[string]any{"last_ok_at": at, "fail_streak": 0, "last_error": ""}
		if d.Outcome != DeliverySent {
			upd = map[string]any{"last_fail_at": at, "fail_streak": gorm.Expr("fail_streak + 1"), "last_error": d.Detail}
		}
		return tx.Model(&AlertChannel{}).Where("id = ?", d.ChannelID).UpdateColumns(upd).Error
	})
}

// SummariseAlerts stores summary (pending) and marks the messages ids as
// delivered inside it, in one transaction, so a crash leaves either the
// messages or their summary to send, never both or neither.
func (s *Store) SummariseAlerts(ctx context.Context, summary *AlertOutbox, ids []int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(summary).Error; err != nil {
			return err
		}
		return tx.Model(&AlertOutbox{}).Where("id IN ? AND state = ?", ids, OutboxPending).
			Updates(map[string]any{"state": OutboxSummarised, "summary_id": summary.ID}).Error
	})
}

// AlertAttemptsSince are the end times of a channel's attempts after t
// (the rate limiter's memory across a restart).
func (s *Store) AlertAttemptsSince(ctx context.Context, channelID uint, t time.Time) ([]time.Time, error) {
	var out []time.Time
	err := s.db.WithContext(ctx).Model(&AlertDelivery{}).Where("channel_id = ? AND at > ?", channelID, t.UTC()).
		Order("at").Pluck("at", &out).Error
	return out, err
}

// AlertDeliveryRow is a delivery log line with its message's title.
type AlertDeliveryRow struct {
	AlertDelivery
	Title string
	Kind  string
}

// AlertDeliveries is a channel's delivery log, newest first.
func (s *Store) AlertDeliveries(ctx context.Context, channelID uint, limit int) ([]AlertDeliveryRow, error) {
	var out []AlertDeliveryRow
	err := s.db.WithContext(ctx).Table("alert_deliveries d").
		Select("d.*, o.title, o.kind").Joins("LEFT JOIN alert_outbox o ON o.id = d.outbox_id").
		Where("d.channel_id = ?", channelID).Order("d.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// AlertOutboxOf lists a channel's messages, newest first.
func (s *Store) AlertOutboxOf(ctx context.Context, channelID uint, limit int) ([]AlertOutbox, error) {
	var out []AlertOutbox
	err := s.db.WithContext(ctx).Where("channel_id = ?", channelID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// FailingAlertChannel is a channel that keeps failing, with its shop's
// name ("" for a chain-wide one).
type FailingAlertChannel struct {
	AlertChannel
	ShopName, ShopTimezone string
}

// FailingAlertChannels are the enabled channels of sc whose last streak
// attempts failed, the latest failure first; chain-wide ones only in a
// scope of every shop (a company admin's).
func (s *Store) FailingAlertChannels(ctx context.Context, sc Scope, streak int, limit int) ([]FailingAlertChannel, error) {
	q := s.db.WithContext(ctx).Table("alert_channels").Joins("LEFT JOIN shops ON shops.id = alert_channels.shop_id").
		Where("alert_channels.enabled = ? AND alert_channels.fail_streak >= ?", true, streak)
	if !sc.all {
		q = q.Where("alert_channels.shop_id IS NOT NULL AND EXISTS (SELECT 1 FROM user_shops us WHERE us.user_id = ? AND us.shop_id = alert_channels.shop_id)", sc.userID)
	}
	var out []FailingAlertChannel
	err := q.Select("alert_channels.*, shops.name AS shop_name, shops.timezone AS shop_timezone").Order("alert_channels.last_fail_at DESC, alert_channels.id").
		Limit(limit).Scan(&out).Error
	return out, err
}
