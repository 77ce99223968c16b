package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/web/templates/audit"
)

// AuditLog shows who did what, newest first, 100 at a time.
func (s *Server) AuditLog(c *gin.Context) {
	before, _ := strconv.ParseUint(c.Query("before"), 10, 32)
	entries, more, err := s.Store.AuditLog(c.Request.Context(), models.AuditFilter{BeforeID: uint(before), Limit: 100})
	if err != nil {
		s.fail(c, err)
		return
	}
	tz := zone(models.DefaultTimezone)
	l := loc(c)
	v := audit.View{}
	for _, e := range entries {
		target := e.TargetType
		if e.TargetID != "" {
			target += " " + e.TargetID
		}
		at := e.At
		v.Rows = append(v.Rows, audit.Row{At: formatTime(&at, tz), Who: e.Username, Action: auditAction(l.T, e.Action),
			Target: target, Detail: e.Detail, IP: e.IP})
	}
	if more {
		v.NextHref = "/audit?before=" + strconv.FormatUint(uint64(entries[len(entries)-1].ID), 10)
	}
	s.render(c, http.StatusOK, audit.Page(v))
}

// auditAction names an action in the reader's language, falling back to
// the action's code.
func auditAction(t func(string) string, action string) string {
	if s := t("audit.action." + action); s != "audit.action."+action {
		return s
	}
	return action
}
