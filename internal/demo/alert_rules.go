package demo

import (
	"context"

	"storelens/internal/alerts"
	"storelens/internal/models"
)

const settingAlertRules = "demo.alert_rules_seeded"

// SeedAlertRules gives every demo shop an offline rule (10 minutes) that
// sends to the demo's chain-wide groups (once): the demo's camera that is
// offline in the demo cloud (后门) makes a message the demo groups page
// shows soon after the start, and its VIP rule stays the default (every
// channel).
func SeedAlertRules(ctx context.Context, st *models.Store, svc *alerts.Service, env *Env) error {
	if env.Alerts == nil {
		return nil
	}
	seeded, err := st.Setting(ctx, settingAlertRules)
	if err != nil || seeded != "" {
		return err
	}
	chans, err := st.AlertChannelsOf(ctx, 0)
	if err != nil {
		return err
	}
	var ids []uint
	for _, c := range chans {
		if c.Name == demoDingName || c.Name == demoWeComName {
			ids = append(ids, c.ID)
		}
	}
	shops, err := st.ShopIDsInScope(ctx, models.AllShops())
	if err != nil {
		return err
	}
	for _, shop := range shops {
		r := models.AlertRule{ShopID: shop, Kind: alerts.RuleOffline, Enabled: true, Threshold: alerts.DefaultOfflineMinutes,
			Channels: ids}
		if err := svc.SaveRule(ctx, &r); err != nil {
			return err
		}
	}
	return st.SetSetting(ctx, settingAlertRules, "1")
}
