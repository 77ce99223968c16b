package opretail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"storelens/internal/vendors"
)

var _ vendors.Traffic = (*Client)(nil)

// number reads a JSON number or numeric string; empty and null are 0.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	f, err := strconv.ParseFloat(string(bytes.TrimSuffix(b, []byte("%"))), 64)
	if err != nil {
		return err
	}
	// NaN, an infinity or a number past 2^53 is no count: converted to
	// int64 it would be any value at all (found by FuzzGatewayReply).
	if math.IsNaN(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("number %s out of range", b)
	}
	*n = number(f)
	return nil
}

// indicators is getPassengerIndicatorData's data (NOTES item 68).
type indicators struct {
	PassengerFlow        number `json:"passengerFlow"`
	PassPassengerFlow    number `json:"passPassengerFlow"`
	OutsidePassengerFlow number `json:"outsidePassengerFlow"`
	InShopRate           number `json:"inShopRate"`
	OutFlowCount         number `json:"outFlowCount"`
}

func (c *Client) indicators(ctx context.Context, depID string, from, to time.Time, loc *time.Location) (indicators, error) {
	var out indicators
	if depID == "" {
		return out, c.fail(MethodIndicator, vendors.KindInvalidParam, 0, "", errors.New("no depId"))
	}
	err := c.call(ctx, MethodIndicator, map[string]string{
		"depId": depID, "startTime": from.In(loc).Format(paramLayout), "endTime": to.In(loc).Format(paramLayout),
		"isOnBusinessTime": "0",
	}, &out)
	return out, err
}

// TrafficFeatures implements vendors.Traffic: entries, passers-by, people
// leaving (head-shoulder counters only: 0 from face counters) and the day's
// de-duplicated entries. No faces, kinds of face or ages.
func (c *Client) TrafficFeatures() vendors.TrafficFeatures {
	return vendors.TrafficFeatures{Have: vendors.HaveLeft | vendors.HaveUnique, HistoryDaysPerCall: 1}
}

func (c *Client) hour(ctx context.Context, depID string, start time.Time, loc *time.Location) (vendors.TrafficHour, error) {
	in, err := c.indicators(ctx, depID, start, start.Add(time.Hour-time.Second), loc)
	if err != nil {
		return vendors.TrafficHour{}, err
	}
	return vendors.TrafficHour{Start: start.UTC(), Have: vendors.HaveLeft, TrafficCounts: vendors.TrafficCounts{
		Entries: int64(in.PassengerFlow), PassersBy: int64(in.PassPassengerFlow), Left: int64(in.OutFlowCount),
	}}, nil
}

// day reads the hours of d that have started by until, and the day's own
// de-duplicated entries up to until.
func (c *Client) day(ctx context.Context, t vendors.TrafficTarget, d vendors.Date, until time.Time, final bool) (vendors.TrafficDay, error) {
	day := vendors.TrafficDay{Date: d, Final: final, Have: vendors.HaveUnique}
	depID := t.Shop.ShopID
	for _, h := range d.Hours(t.Location) {
		if h.After(until) {
			break
		}
		th, err := c.hour(ctx, depID, h, t.Location)
		if err != nil {
			return day, err
		}
		day.Hours = append(day.Hours, th)
	}
	end := d.AddDays(1).Start(t.Location).Add(-time.Second)
	if until.Before(end) {
		end = until
	}
	in, err := c.indicators(ctx, depID, d.Start(t.Location), end, t.Location)
	if err != nil {
		return day, err
	}
	day.Day = vendors.TrafficCounts{Entries: int64(in.PassengerFlow), UniqTotal: int64(in.PassengerFlow)}
	return day, nil
}

// TrafficDays implements vendors.Traffic: for each closed day, one call per
// hour and one for the whole day (see the package doc for why both).
func (c *Client) TrafficDays(ctx context.Context, t vendors.TrafficTarget, from, to vendors.Date) ([]vendors.TrafficDay, error) {
	if to.Before(from) {
		return nil, c.fail(MethodIndicator, vendors.KindInvalidParam, 0, "", errors.New("the range ends before it starts"))
	}
	if !to.Before(vendors.DateOf(c.now(), t.Location)) {
		return nil, c.fail(MethodIndicator, vendors.KindInvalidParam, 0, "", errors.New("closed days end yesterday"))
	}
	out := make([]vendors.TrafficDay, 0, from.DaysTo(to)+1)
	for d := from; !d.After(to); d = d.AddDays(1) {
		day, err := c.day(ctx, t, d, d.AddDays(1).Start(t.Location), true)
		if err != nil {
			return out, err
		}
		out = append(out, day)
	}
	return out, nil
}

// TrafficToday implements vendors.Traffic: today's hours up to now.
func (c *Client) TrafficToday(ctx context.Context, t vendors.TrafficTarget) (vendors.TrafficDay, error) {
	now := c.now()
	return c.day(ctx, t, vendors.DateOf(now, t.Location), now, false)
}
