package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/alerts"
	"storelens/internal/i18n"
	"storelens/internal/models"
	alertview "storelens/web/templates/alerts"
)

// readEmailFields reads an e-mail channel's fields (kind is the form's on
// create, the channel's on edit) into in and, as typed, into f.
func readEmailFields(c *gin.Context, kind string, in *alerts.ChannelInput, f *alertview.Form, errs map[string]string) {
	ef := alertview.EmailForm{Host: text(c, "email_host"), Port: text(c, "email_port"), TLS: text(c, "email_tls"),
		Username: text(c, "email_username"), Password: c.PostForm("email_password"), From: text(c, "email_from"),
		To: strings.TrimSpace(c.PostForm("email_to")), Rate: text(c, "email_rate")}
	f.Email = ef
	if kind != alerts.Email {
		return
	}
	l := loc(c)
	e := &alerts.EmailSettings{Host: ef.Host, TLS: ef.TLS, Username: ef.Username, From: ef.From, To: alerts.SplitAddresses(ef.To)}
	if e.TLS == "" {
		e.TLS = alerts.StartTLS
	}
	switch p, err := strconv.Atoi(ef.Port); {
	case ef.Port == "" && e.TLS == alerts.ImplicitTLS:
		e.Port = 465
	case ef.Port == "":
		e.Port = 587
	case err != nil:
		errs["email_port"] = l.T("alertsch.err.port")
	default:
		e.Port = p
	}
	if ef.Rate != "" {
		n, err := strconv.Atoi(ef.Rate)
		if err != nil {
			errs["email_rate"] = l.T("alertsch.err.rate")
		}
		in.RatePerMin = n
	}
	for field, v := range map[string]string{"email_host": ef.Host, "email_username": ef.Username, "email_password": ef.Password, "email_from": ef.From} {
		if tooLong(v, 253) {
			errs[field] = l.Tf("alerts.err.too_long", map[string]any{"Max": 253})
		}
	}
	if tooLong(ef.To, 2000) {
		errs["email_to"] = l.Tf("alerts.err.too_long", map[string]any{"Max": 2000})
	}
	// Every bad recipient is named at once, not only the first.
	var bad []string
	for _, a := range e.To {
		if _, err := alerts.ParseAddress("to", a); err != nil {
			bad = append(bad, a)
		}
	}
	if len(bad) > 0 && errs["email_to"] == "" {
		errs["email_to"] = l.Tf("alertsch.err.address", map[string]any{"Addr": strings.Join(bad, ", ")})
	}
	delete(errs, "webhook") // an e-mail channel has none
	in.Email, in.Secret = e, ef.Password
}

// emailError words a refused e-mail setting for its field.
func emailError(l *i18n.Localizer, err error) (field, msg string, ok bool) {
	var ae *alerts.AddressError
	switch {
	case errors.As(err, &ae) && ae.Addr == "" && ae.Field == "to":
		return "email_to", l.T("alertsch.err.no_to"), true
	case errors.As(err, &ae) && ae.Addr == "":
		return "email_from", l.T("alertsch.err.no_from"), true
	case errors.As(err, &ae):
		return "email_" + ae.Field, l.Tf("alertsch.err.address", map[string]any{"Addr": ae.Addr}), true
	case errors.Is(err, alerts.ErrBadHost):
		return "email_host", l.T("alertsch.err.host"), true
	case errors.Is(err, alerts.ErrBadPort):
		return "email_port", l.T("alertsch.err.port"), true
	case errors.Is(err, alerts.ErrBadTLS):
		return "email_tls", l.T("alertsch.err.tls"), true
	case errors.Is(err, alerts.ErrTooManyRcpts):
		return "email_to", l.Tf("alertsch.err.too_many", map[string]any{"Max": alerts.MaxRecipients}), true
	case errors.Is(err, alerts.ErrBadRate):
		return "email_rate", l.T("alertsch.err.rate"), true
	case errors.Is(err, alerts.ErrNoHook):
		return "webhook", l.T("alertsch.err.feishu_hook"), true
	}
	return "", "", false
}

// fillEmailForm shows an e-mail channel's stored settings in its form
// (never the password).
func (s *Server) fillEmailForm(ch *models.AlertChannel, f *alertview.Form) {
	if ch.Kind != alerts.Email {
		return
	}
	e, err := s.Alerts.Service.EmailOf(*ch)
	if err != nil {
		return
	}
	f.Email = alertview.EmailForm{Host: e.Host, Port: strconv.Itoa(e.Port), TLS: e.TLS, Username: e.Username, From: e.From,
		To: strings.Join(e.To, "\n"), HasPassword: len(ch.SecretEnc) > 0}
	if ch.RatePerMin > 0 {
		f.Email.Rate = strconv.Itoa(ch.RatePerMin)
	}
}

// emailAuditDetail is what an e-mail channel's audit line adds: the
// recipients (who gets the shop's alerts), never the password.
func emailAuditDetail(in alerts.ChannelInput) string {
	if in.Email == nil {
		return ""
	}
	return fmt.Sprintf(", e-mail %s to %s", in.Email.Host, strings.Join(in.Email.To, ", "))
}
