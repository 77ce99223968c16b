package alerts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"storelens/internal/models"
	"storelens/internal/reportchart"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

// ConnectorState is a shop's on-site connector as the checks see it:
// paired, online, and since when it is in that state (offline: when it
// was last seen). Chain mode; nil in Checker: no connector checks.
type ConnectorState func(ctx context.Context, shopID uint) (id uint, paired, online bool, since time.Time, err error)

// Checker runs the rules that look at the shops' state on a clock (the
// offline, entries-drop, daily and weekly rules): Run on one instance only,
// the leader of "alert rules" (cmd/web). Each happening has one dedupe key
// (e.g. "offline:<camera>:<since-unix>", "daily:<shop>:<date>"), so a
// restart, a new leader or a second instance checking never makes it a
// second message on a channel: the outbox's unique (channel, key) is the
// checks' memory.
type Checker struct {
	Alerts     *Service
	Traffic    *traffic.Service
	Connectors ConnectorState
	// Every is how often the checks run (30 s).
	Every time.Duration
	// DropWeeks is how many earlier same weekdays the drop rule averages (4).
	DropWeeks int
	// lastDrop: per shop, the shop-local hour last checked by the drop rule.
	lastDrop map[uint]string
}

// Run checks every Every until ctx ends.
func (c *Checker) Run(ctx context.Context) {
	every := c.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := c.Check(ctx); err != nil && ctx.Err() == nil {
			c.Alerts.log.Warn("alert rules: check failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check runs every enabled rule's check once.
func (c *Checker) Check(ctx context.Context) error {
	var errs []error
	for _, k := range []string{RuleOffline, RuleDrop, RuleDaily, RuleWeekly} {
		rules, err := c.Alerts.cfg.Store.EnabledAlertRules(ctx, k)
		if err != nil {
			return err
		}
		for _, r := range rules {
			var err error
			switch k {
			case RuleOffline:
				err = c.checkOffline(ctx, r)
			case RuleDrop:
				err = c.checkDrop(ctx, r)
			case RuleDaily:
				err = c.checkDaily(ctx, r)
			case RuleWeekly:
				err = c.checkWeekly(ctx, r)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s rule of shop %d: %w", k, r.ShopID, err))
			}
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func (c *Checker) now() time.Time { return c.Alerts.cfg.Now() }

func (c *Checker) shop(ctx context.Context, id uint) (cachedShop, error) {
	return c.Alerts.shops.get(ctx, c.Alerts.cfg.Store, id)
}

// checkOffline: a camera offline for the rule's minutes is one message
// per channel ("offline:<camera>:<since-unix>"); when it is back, each
// channel that had that message gets one "back online" with the same
// since. The shop's connector the same ("connector-offline:<id>:<since>").
func (c *Checker) checkOffline(ctx context.Context, r models.AlertRule) error {
	st := c.Alerts.cfg.Store
	sh, err := c.shop(ctx, r.ShopID)
	if err != nil {
		return err
	}
	now := c.now()
	n := time.Duration(r.Threshold) * time.Minute
	cams, err := st.CamerasOfShops(ctx, []uint{r.ShopID})
	if err != nil {
		return err
	}
	// The offline messages already made, and the back-online ones (7 days).
	made, err := st.AlertOutboxKeys(ctx, r.ShopID, RuleOffline, now.Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	open := map[string]bool{} // "offline:…" keys with no "online:…" yet, on some channel
	back := map[string]bool{}
	for _, m := range made {
		if rest, ok := strings.CutPrefix(m.DedupeKey, "online:"); ok {
			back[strconv.FormatUint(uint64(m.ChannelID), 10)+"|"+rest] = true
		}
	}
	for _, m := range made {
		if rest, ok := strings.CutPrefix(m.DedupeKey, "offline:"); ok && !back[strconv.FormatUint(uint64(m.ChannelID), 10)+"|"+rest] {
			open[rest] = true
		}
	}
	at := func(t time.Time) string { return t.In(sh.tz).Format("2006-01-02 15:04") }
	online := map[string]bool{}
	for _, cam := range cams {
		name := cam.Name
		if name == "" {
			name = "#" + strconv.FormatUint(uint64(cam.ID), 10)
		}
		if !cam.Online && cam.OfflineSince != nil {
			since := *cam.OfflineSince
			if now.Sub(since) >= n {
				key := fmt.Sprintf("offline:camera-%d:%d", cam.ID, since.Unix())
				msg := RuleMessage{Key: key, Message: Message{Title: fmt.Sprintf("摄像头离线：%s", name),
					Markdown: fmt.Sprintf("### 摄像头离线\n\n**%s**（%s）已离线 %d 分钟以上\n\n离线时间：%s（%s）\n",
						md(name), md(sh.name), r.Threshold, at(since), sh.tz)}}
				msg.Link = c.Alerts.link(fmt.Sprintf("/shops/%d/cameras", r.ShopID))
				if _, err := c.Alerts.EnqueueRule(ctx, r, msg); err != nil {
					return err
				}
			}
			continue
		}
		online[fmt.Sprintf("camera-%d", cam.ID)] = true
	}
	names := map[string]string{}
	for _, cam := range cams {
		names[fmt.Sprintf("camera-%d", cam.ID)] = cam.Name
	}
	if c.Connectors != nil {
		id, paired, on, since, err := c.Connectors(ctx, r.ShopID)
		if err != nil {
			return err
		}
		if paired {
			thing := fmt.Sprintf("connector-%d", id)
			names[thing] = "现场连接器"
			if on {
				online[thing] = true
			} else if !since.IsZero() && now.Sub(since) >= n {
				key := fmt.Sprintf("offline:%s:%d", thing, since.Unix())
				msg := RuleMessage{Key: key, Message: Message{Title: "现场连接器离线：" + sh.name,
					Markdown: fmt.Sprintf("### 现场连接器离线\n\n门店 **%s** 的现场连接器已离线 %d 分钟以上，店内局域网摄像头暂时无法访问\n\n最后在线：%s（%s）\n",
						md(sh.name), r.Threshold, at(since), sh.tz)}}
				msg.Link = c.Alerts.link(fmt.Sprintf("/shops/%d/connector", r.ShopID))
				if _, err := c.Alerts.EnqueueRule(ctx, r, msg); err != nil {
					return err
				}
			}
		}
	}
	// Back online: each open offline whose thing is online now.
	for rest := range open {
		thing, sinceStr, ok := strings.Cut(rest, ":")
		if !ok || !online[thing] {
			continue
		}
		sec, _ := strconv.ParseInt(sinceStr, 10, 64)
		name := names[thing]
		title := "已恢复在线：" + name
		body := fmt.Sprintf("### 已恢复在线\n\n**%s**（%s）已恢复在线\n\n离线开始：%s（%s）\n", md(name), md(sh.name), at(time.Unix(sec, 0)), sh.tz)
		m := RuleMessage{Key: "online:" + rest, Message: Message{Title: title, Markdown: body}}
		if err := c.enqueueTo(ctx, r, m, made, "offline:"+rest); err != nil {
			return err
		}
	}
	return nil
}

// enqueueTo stores m only for the channels that got the message keyed
// origin (a "back online" goes where its "offline" went).
func (c *Checker) enqueueTo(ctx context.Context, r models.AlertRule, m RuleMessage, made []models.RuleOutbox, origin string) error {
	var chans []uint
	for _, x := range made {
		if x.DedupeKey == origin {
			chans = append(chans, x.ChannelID)
		}
	}
	r.Channels = chans
	_, err := c.Alerts.EnqueueRule(ctx, r, m)
	return err
}

// entriesBetween sums a shop's hour buckets [from, to); ok false: no bucket.
func (c *Checker) entriesBetween(ctx context.Context, shopID uint, from, to time.Time) (int64, bool, error) {
	hours, err := c.Alerts.cfg.Store.TrafficHourRows(ctx, []uint{shopID}, from.Unix(), to.Unix())
	if err != nil {
		return 0, false, err
	}
	var n int64
	for _, h := range hours {
		n += h.Entries
	}
	return n, len(hours) > 0, nil
}

// DropCheck is the drop rule's figures at one shop hour: today's entries
// from the shop's midnight to Hour, and the average of the earlier same
// weekdays (those with numbers) over the same hours.
type DropCheck struct {
	Date       vendors.Date
	Hour       int
	Today      int64
	Average    float64
	Weeks      int // same weekdays averaged
	Percent    int // how far below (0 if not)
	Triggering bool
}

// Drop computes the drop rule at now, in the shop's zone.
func (c *Checker) Drop(ctx context.Context, r models.AlertRule, tz *time.Location, now time.Time) (DropCheck, error) {
	l := now.In(tz)
	d := DropCheck{Date: vendors.DateOf(now, tz), Hour: l.Hour()}
	if d.Hour < 1 {
		return d, nil
	}
	weeks := c.DropWeeks
	if weeks <= 0 {
		weeks = 4
	}
	span := func(day time.Time) (time.Time, time.Time) {
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, tz), time.Date(day.Year(), day.Month(), day.Day(), d.Hour, 0, 0, 0, tz)
	}
	from, to := span(l)
	hours, err := c.Alerts.cfg.Store.TrafficHourRows(ctx, []uint{r.ShopID}, from.Unix(), to.Unix())
	if err != nil || len(hours) == 0 {
		return d, err // no numbers yet today is not a drop
	}
	// "So far" is as far as the numbers go: a sync an hour behind is not
	// an hour without customers.
	if last := time.Unix(hours[len(hours)-1].HourStart, 0).In(tz).Hour() + 1; last < d.Hour {
		d.Hour = last
	}
	for _, h := range hours {
		if time.Unix(h.HourStart, 0).In(tz).Hour() < d.Hour {
			d.Today += h.Entries
		}
	}
	var sum int64
	for w := 1; w <= weeks; w++ {
		day := time.Date(l.Year(), l.Month(), l.Day()-7*w, 12, 0, 0, 0, tz)
		f, t := span(day)
		n, ok, err := c.entriesBetween(ctx, r.ShopID, f, t)
		if err != nil {
			return d, err
		}
		if ok {
			sum += n
			d.Weeks++
		}
	}
	if d.Weeks == 0 {
		return d, nil
	}
	d.Average = float64(sum) / float64(d.Weeks)
	if d.Average <= 0 {
		return d, nil
	}
	below := (d.Average - float64(d.Today)) / d.Average * 100
	if below > 0 {
		d.Percent = int(below + 0.5)
	}
	d.Triggering = below >= float64(r.Threshold)
	return d, nil
}

// checkDrop runs the drop rule once a shop hour ("drop:<shop>:<date>": at
// most one message a day).
func (c *Checker) checkDrop(ctx context.Context, r models.AlertRule) error {
	sh, err := c.shop(ctx, r.ShopID)
	if err != nil {
		return err
	}
	now := c.now()
	hourKey := now.In(sh.tz).Format("2006-01-02T15")
	if c.lastDrop == nil {
		c.lastDrop = map[uint]string{}
	}
	if c.lastDrop[r.ShopID] == hourKey {
		return nil
	}
	d, err := c.Drop(ctx, r, sh.tz, now)
	if err != nil {
		return err
	}
	c.lastDrop[r.ShopID] = hourKey
	if !d.Triggering {
		return nil
	}
	m := RuleMessage{Key: fmt.Sprintf("drop:%d:%s", r.ShopID, d.Date), Message: Message{
		Title: fmt.Sprintf("进店人数偏低：%s", sh.name),
		Markdown: fmt.Sprintf("### 今日进店人数偏低\n\n门店：%s\n\n今日截至 %02d:00 进店 **%d** 人，比前 %d 个同星期同时段平均 %.0f 人低 **%d%%**（提醒阈值 %d%%）\n",
			md(sh.name), d.Hour, d.Today, d.Weeks, d.Average, d.Percent, r.Threshold)}}
	m.Link = c.Alerts.link(fmt.Sprintf("/shops/%d/traffic", r.ShopID))
	_, err = c.Alerts.EnqueueRule(ctx, r, m)
	return err
}

// dueAt reports whether the shop's clock is in [at, at+window) on a day
// (the rule's time has come today; a server down at the time catches up
// within the window, never the next day).
func dueAt(now time.Time, tz *time.Location, at int, window time.Duration) bool {
	l := now.In(tz)
	start := time.Date(l.Year(), l.Month(), l.Day(), at/60, at%60, 0, 0, tz)
	return !now.Before(start) && now.Before(start.Add(window))
}

// Daily is the daily summary's figures: the shop day it covers (the time
// before noon: yesterday, whole; from noon: today until the time).
type Daily struct {
	Date        vendors.Date
	Whole       bool
	Until       string
	Entries     int64
	HaveEntries bool
	LastWeek    int64 // the same span a week before
	HaveLast    bool
	VIP         int64 // alert-group arrivals
	Offline     int   // cameras offline now
	Cameras     int
}

// DailyFigures computes the daily summary at now.
func (c *Checker) DailyFigures(ctx context.Context, r models.AlertRule, tz *time.Location, now time.Time) (Daily, error) {
	l := now.In(tz)
	var d Daily
	var from, to time.Time
	if r.AtMinute < 12*60 {
		y := time.Date(l.Year(), l.Month(), l.Day()-1, 0, 0, 0, 0, tz)
		from, to = y, time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, tz)
		d.Whole = true
	} else {
		from = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, tz)
		to = time.Date(l.Year(), l.Month(), l.Day(), r.AtMinute/60, r.AtMinute%60, 0, 0, tz)
		d.Until = Clock(r.AtMinute)
	}
	d.Date = vendors.DateOf(from, tz)
	var err error
	if d.Entries, d.HaveEntries, err = c.entriesBetween(ctx, r.ShopID, from, to); err != nil {
		return d, err
	}
	wf := time.Date(from.Year(), from.Month(), from.Day()-7, 0, 0, 0, 0, tz)
	wt := wf.Add(to.Sub(from))
	if d.LastWeek, d.HaveLast, err = c.entriesBetween(ctx, r.ShopID, wf, wt); err != nil {
		return d, err
	}
	if d.VIP, err = c.Alerts.cfg.Store.CountAlertEvents(ctx, r.ShopID, from, to); err != nil {
		return d, err
	}
	cams, err := c.Alerts.cfg.Store.CamerasOfShops(ctx, []uint{r.ShopID})
	if err != nil {
		return d, err
	}
	d.Cameras = len(cams)
	for _, cam := range cams {
		if !cam.Online {
			d.Offline++
		}
	}
	return d, nil
}

// checkDaily sends the daily summary once a shop day at its time
// ("daily:<shop>:<date>", the date the check runs on).
func (c *Checker) checkDaily(ctx context.Context, r models.AlertRule) error {
	sh, err := c.shop(ctx, r.ShopID)
	if err != nil {
		return err
	}
	now := c.now()
	if !dueAt(now, sh.tz, r.AtMinute, 2*time.Hour) {
		return nil
	}
	d, err := c.DailyFigures(ctx, r, sh.tz, now)
	if err != nil {
		return err
	}
	var b strings.Builder
	span := fmt.Sprintf("%s 全天", d.Date)
	if !d.Whole {
		span = fmt.Sprintf("%s 截至 %s", d.Date, d.Until)
	}
	fmt.Fprintf(&b, "### 每日汇总：%s\n\n%s\n\n", md(sh.name), span)
	if d.HaveEntries {
		fmt.Fprintf(&b, "进店：**%d** 人", d.Entries)
		if d.HaveLast {
			fmt.Fprintf(&b, "（上周同期 %d 人）", d.LastWeek)
		}
		b.WriteString("\n\n")
	} else {
		b.WriteString("进店：暂无数据\n\n")
	}
	fmt.Fprintf(&b, "重点顾客到店：%d 次\n\n摄像头：%d 台，当前离线 %d 台\n", d.VIP, d.Cameras, d.Offline)
	m := RuleMessage{Key: fmt.Sprintf("daily:%d:%s", r.ShopID, vendors.DateOf(now, sh.tz)),
		Message: Message{Title: "每日汇总：" + sh.name, Markdown: b.String()}}
	m.Link = c.Alerts.link(fmt.Sprintf("/shops/%d/traffic", r.ShopID))
	_, err = c.Alerts.EnqueueRule(ctx, r, m)
	return err
}

// Weekly is the weekly report's figures: the week (Monday..Sunday, the
// shop's dates) and the one before, day by day, from the traffic report
// (the same numbers as the report page's, day rows), and the shop's rank
// by entries among the chain's shops.
type Weekly struct {
	From, To          vendors.Date
	Days              []vendors.Date
	This, Before      []int64
	Total, Prior      int64
	NoData            bool // the week has no numbers at all
	Rank, Of          int
	ThisRep, PriorRep traffic.Report
}

// WeekOf is the week before the one holding now, in the shop's dates.
func WeekOf(now time.Time, tz *time.Location) vendors.Date {
	today := vendors.DateOf(now, tz)
	off := (int(today.Weekday()) + 6) % 7 // days since Monday
	return today.AddDays(-off - 7)
}

// WeeklyFigures computes the weekly report of the week starting from
// (a Monday).
func (c *Checker) WeeklyFigures(ctx context.Context, shopID uint, tz *time.Location, from vendors.Date) (Weekly, error) {
	w := Weekly{From: from, To: from.AddDays(6)}
	q := traffic.Query{ShopIDs: []uint{shopID}, Location: tz, From: w.From, To: w.To, Gran: traffic.ByDay}
	rep, err := c.Traffic.Report(ctx, q)
	if err != nil {
		return w, err
	}
	prev := q.Previous()
	prep, err := c.Traffic.Report(ctx, prev)
	if err != nil {
		return w, err
	}
	w.ThisRep, w.PriorRep = rep, prep
	for i, row := range rep.Rows {
		w.Days = append(w.Days, row.Start)
		w.This = append(w.This, row.Counts.Entries)
		var b int64
		if i < len(prep.Rows) {
			b = prep.Rows[i].Counts.Entries
		}
		w.Before = append(w.Before, b)
	}
	w.Total, w.Prior = rep.Total.Counts.Entries, prep.Total.Counts.Entries
	w.NoData = rep.Total.NoData
	ids, err := c.Alerts.cfg.Store.ShopIDsInScope(ctx, models.AllShops())
	if err != nil {
		return w, err
	}
	rank, err := c.Traffic.Rank(ctx, ids, w.From, w.To)
	if err != nil {
		return w, err
	}
	w.Of = len(rank)
	for i, x := range rank {
		if x.ShopID == shopID {
			w.Rank = i + 1
		}
	}
	return w, nil
}

// WeeklyPNG draws a shop's weekly chart.
func (c *Checker) WeeklyPNG(ctx context.Context, shopID uint, from vendors.Date) ([]byte, error) {
	sh, err := c.shop(ctx, shopID)
	if err != nil {
		return nil, err
	}
	w, err := c.WeeklyFigures(ctx, shopID, sh.tz, from)
	if err != nil {
		return nil, err
	}
	return reportchart.WeekPNG(w.Chart())
}

// Chart is the figures as the chart draws them.
func (w Weekly) Chart() reportchart.Week {
	md := func(d vendors.Date) string { return fmt.Sprintf("%02d-%02d", int(d.Month), d.Day) }
	ch := reportchart.Week{This: w.This, Before: w.Before, Rank: w.Rank, Of: w.Of,
		Range:      fmt.Sprintf("%s .. %s", w.From, w.To),
		ThisLegend: md(w.From) + ".." + md(w.To), BeforeLegend: md(w.From.AddDays(-7)) + ".." + md(w.To.AddDays(-7))}
	for _, d := range w.Days {
		ch.Days = append(ch.Days, md(d))
	}
	return ch
}

// weekdays in Chinese, Monday first.
var weekdayZH = []string{"周一", "周二", "周三", "周四", "周五", "周六", "周日"}

// WeeklyMessage is the weekly report's message (its picture linked
// through a signed URL).
func (c *Checker) WeeklyMessage(w Weekly, shopID uint, shopName string) RuleMessage {
	var b strings.Builder
	fmt.Fprintf(&b, "### 周报：%s\n\n%s 至 %s\n\n", md(shopName), w.From, w.To)
	fmt.Fprintf(&b, "本周进店 **%d** 人，上周 %d 人", w.Total, w.Prior)
	if w.Prior > 0 {
		fmt.Fprintf(&b, "（%+.1f%%）", float64(w.Total-w.Prior)/float64(w.Prior)*100)
	}
	b.WriteString("\n\n")
	if w.Rank > 0 {
		fmt.Fprintf(&b, "连锁排名：第 %d / %d 名\n\n", w.Rank, w.Of)
	}
	for i, d := range w.Days {
		fmt.Fprintf(&b, "- %s %s：%d（上周 %d）\n", weekdayZH[i%7], d, w.This[i], w.Before[i])
	}
	m := RuleMessage{Key: fmt.Sprintf("weekly:%d:%s", shopID, w.From),
		Message: Message{Title: fmt.Sprintf("周报：%s（%s 至 %s）", shopName, w.From, w.To)}}
	if m.PictureURL = c.Alerts.ReportLink(shopID, w.From); m.PictureURL != "" {
		fmt.Fprintf(&b, "\n![周报图表](%s)\n", m.PictureURL)
	}
	m.Link = c.Alerts.link(fmt.Sprintf("/shops/%d/traffic?from=%s&to=%s&gran=day", shopID, w.From, w.To))
	m.Markdown = b.String()
	return m
}

// checkWeekly sends the weekly report on Monday at its time
// ("weekly:<shop>:<the week's Monday>").
func (c *Checker) checkWeekly(ctx context.Context, r models.AlertRule) error {
	sh, err := c.shop(ctx, r.ShopID)
	if err != nil {
		return err
	}
	now := c.now()
	if now.In(sh.tz).Weekday() != time.Monday || !dueAt(now, sh.tz, r.AtMinute, 6*time.Hour) {
		return nil
	}
	w, err := c.WeeklyFigures(ctx, r.ShopID, sh.tz, WeekOf(now, sh.tz))
	if err != nil {
		return err
	}
	_, err = c.Alerts.EnqueueRule(ctx, r, c.WeeklyMessage(w, r.ShopID, sh.name))
	return err
}

// link is a page's public address ("" without --public-url).
func (s *Service) link(path string) string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return s.cfg.PublicURL + path
}

// ReportLink is the signed public link of a shop's weekly chart (the
// robots and the phones fetch it without signing in, like an alert's
// picture); "" when not configured.
func (s *Service) ReportLink(shopID uint, week vendors.Date) string {
	if s.cfg.PublicURL == "" || s.cfg.PictureKey == nil {
		return ""
	}
	return fmt.Sprintf("%s/alerts/report/%d/%s/%s.png", s.cfg.PublicURL, shopID, week, s.reportSig(shopID, week))
}

func (s *Service) reportSig(shopID uint, week vendors.Date) string {
	m := hmac.New(sha256.New, s.cfg.PictureKey)
	fmt.Fprintf(m, "alert-report:%d:%s", shopID, week)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// CheckReportSig reports whether sig signs the link of shop's weekly chart.
func (s *Service) CheckReportSig(shopID uint, week vendors.Date, sig string) bool {
	if s.cfg.PictureKey == nil {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.reportSig(shopID, week)))
}
