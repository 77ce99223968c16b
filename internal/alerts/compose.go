package alerts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"storelens/internal/models"
)

// Publisher is where the event pipeline publishes stored events (the live
// hub's interface, events.Publisher).
type Publisher interface {
	Publish(evs ...*models.Event)
	PublishPicture(shopID uint, eventID int64)
}

// Tee publishes to next and hands the alert events to s: the event
// pipeline's Hub becomes Tee(hub, alerts) and ingest is not slowed (Publish
// only appends to a list the worker flushes into the outbox in batches).
func Tee(next Publisher, s *Service) Publisher { return tee{next, s} }

type tee struct {
	next Publisher
	s    *Service
}

func (t tee) Publish(evs ...*models.Event) {
	t.next.Publish(evs...)
	t.s.Publish(evs...)
}

func (t tee) PublishPicture(shopID uint, eventID int64) { t.next.PublishPicture(shopID, eventID) }

// Publish takes the stored events that match their shop's alert groups
// (models.Event.Alert, set by the event pipeline's rule: the shop's alert
// groups, edited in its event settings) for the outbox. It never blocks on
// the database.
func (s *Service) Publish(evs ...*models.Event) {
	var take []*models.Event
	for _, ev := range evs {
		if ev.Alert {
			// A copy: the pipeline keeps working on its row (the picture).
			cp := models.Event{ID: ev.ID, ShopID: ev.ShopID, CameraName: ev.CameraName, PersonName: ev.PersonName,
				GroupName: ev.GroupName, OccurredAt: ev.OccurredAt, PictureSrc: ev.PictureSrc, Picture: ev.Picture, Kind: ev.Kind}
			take = append(take, &cp)
		}
	}
	if len(take) == 0 {
		return
	}
	s.mu.Lock()
	s.pending = append(s.pending, take...)
	s.mu.Unlock()
	s.poke()
}

// Flush stores the published alert events' messages in the outbox, one
// per event per channel of the event's shop (its own and the chain's).
func (s *Service) Flush(ctx context.Context) (int64, error) {
	s.mu.Lock()
	evs := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(evs) == 0 {
		return 0, nil
	}
	now := s.cfg.Now().UTC()
	byShop := map[uint][]models.AlertChannel{}
	var rows []models.AlertOutbox
	for _, ev := range evs {
		chans, ok := byShop[ev.ShopID]
		if !ok {
			var err error
			if chans, err = s.cfg.Store.AlertChannelsOf(ctx, ev.ShopID); err != nil {
				s.requeue(evs)
				return 0, err
			}
			byShop[ev.ShopID] = chans
		}
		if len(chans) == 0 {
			continue
		}
		sh, err := s.shops.get(ctx, s.cfg.Store, ev.ShopID)
		if err != nil {
			s.requeue(evs)
			return 0, err
		}
		m := s.eventMessage(ev, sh)
		id := ev.ID
		for _, c := range chans {
			if !c.Enabled {
				continue
			}
			shop := ev.ShopID
			rows = append(rows, models.AlertOutbox{ChannelID: c.ID, ShopID: &shop, EventID: &id,
				DedupeKey: "event:" + strconv.FormatInt(ev.ID, 10), Kind: "event", Title: m.Title, Body: m.Markdown,
				PictureURL: m.PictureURL, Link: m.Link, State: models.OutboxPending, NextAt: now, CreatedAt: now})
		}
	}
	rows, err := s.applyVIPRules(ctx, rows, now) // rules.go: the shops' VIP rules
	if err != nil {
		s.requeue(evs)
		return 0, err
	}
	n, err := s.cfg.Store.EnqueueAlerts(ctx, rows)
	if err != nil {
		s.requeue(evs)
		return 0, err
	}
	return n, nil
}

func (s *Service) requeue(evs []*models.Event) {
	s.mu.Lock()
	s.pending = append(evs, s.pending...)
	s.mu.Unlock()
}

// eventMessage is the message of an alert event: who, which group, the
// shop, the camera, the time in shop time, the picture and the link.
func (s *Service) eventMessage(ev *models.Event, sh cachedShop) Message {
	name := ev.PersonName
	if name == "" {
		name = "未知顾客"
	}
	at := ev.OccurredAt.In(sh.tz).Format("2006-01-02 15:04:05")
	m := Message{Title: fmt.Sprintf("%s到店：%s", ev.GroupName, name)}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s到店提醒\n\n", ev.GroupName)
	fmt.Fprintf(&b, "**%s**（%s）\n\n", md(name), md(ev.GroupName))
	fmt.Fprintf(&b, "门店：%s\n\n", md(sh.name))
	if ev.CameraName != "" {
		fmt.Fprintf(&b, "摄像头：%s\n\n", md(ev.CameraName))
	}
	fmt.Fprintf(&b, "时间：%s（%s）\n\n", at, sh.tz.String())
	if ev.PictureSrc != "" || ev.Picture != "" {
		if m.PictureURL = s.PictureLink(ev.ID); m.PictureURL != "" {
			fmt.Fprintf(&b, "![抓拍](%s)\n\n", m.PictureURL)
		}
	}
	if s.cfg.PublicURL != "" {
		m.Link = fmt.Sprintf("%s/shops/%d/events?event=%d", s.cfg.PublicURL, ev.ShopID, ev.ID)
		fmt.Fprintf(&b, "[查看事件](%s)\n", m.Link)
	}
	m.Markdown = b.String()
	return m
}

// md keeps a name from being read as markdown (or a link).
func md(s string) string {
	return strings.NewReplacer("[", "［", "]", "］", "*", "＊", "\n", " ", "#", "＃", "<", "＜", ">", "＞").Replace(s)
}

type cachedShop struct {
	name string
	tz   *time.Location
	at   time.Time
}

type shopCache struct {
	mu sync.Mutex
	m  map[uint]cachedShop
}

func (c *shopCache) get(ctx context.Context, st *models.Store, id uint) (cachedShop, error) {
	c.mu.Lock()
	sh, ok := c.m[id]
	c.mu.Unlock()
	if ok && time.Since(sh.at) < time.Minute {
		return sh, nil
	}
	row, err := st.Shop(ctx, models.AllShops(), id)
	if err != nil {
		return sh, err
	}
	tz, err := time.LoadLocation(row.Timezone)
	if err != nil {
		tz = time.UTC
	}
	sh = cachedShop{name: row.Name, tz: tz, at: time.Now()}
	c.mu.Lock()
	c.m[id] = sh
	c.mu.Unlock()
	return sh, nil
}
