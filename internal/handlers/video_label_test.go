package handlers

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/live"
	"storelens/internal/vendors"
)

// The stream status page names each session in the reader's language: the
// Label the video package logs with is English.
func TestStreamLabelIsInTheReadersLanguage(t *testing.T) {
	b := i18n.MustLoad()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.Local)
	cases := []struct {
		lang string
		in   live.Info
		want string
	}{
		{"zh-CN", live.Info{Name: "收银台", Kind: "live", Quality: vendors.QualityHigh, Label: "收银台 · live 1"}, "收银台 · 直播 · 高清"},
		{"zh-CN", live.Info{Name: "收银台", Kind: "live", Quality: vendors.QualitySuper}, "收银台 · 直播 · 超清"},
		{"zh-CN", live.Info{Name: "门口", Kind: "playback", From: at}, "门口 · 回放 10:00:00"},
		{"en", live.Info{Name: "Door", Kind: "playback", From: at}, "Door · Playback 10:00:00"},
	}
	for _, tc := range cases {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		r := httptest.NewRequest("GET", "/video/streams", nil)
		c.Request = r.WithContext(i18n.WithLocalizer(r.Context(), b.For(tc.lang)))
		if got := streamLabel(c, tc.in); got != tc.want {
			t.Errorf("%s %+v: got %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}
