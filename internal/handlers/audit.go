package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"storelens/internal/csvout"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/reqlog"
	"storelens/web/templates/audit"
)

// auditPage is how many entries one page of the audit log shows.
const auditPage = 50

// auditQuery is the audit log's filter as the page's form sends it.
type auditQuery struct {
	Person, Kind, From, To string
	Shop                   uint
	Before                 uint
}

func readAuditQuery(c *gin.Context) auditQuery {
	q := auditQuery{Person: strings.TrimSpace(c.Query("person")), Kind: strings.TrimSpace(c.Query("kind")),
		From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	if n, err := strconv.ParseUint(c.Query("shop"), 10, 32); err == nil {
		q.Shop = uint(n)
	}
	if n, err := strconv.ParseUint(c.Query("before"), 10, 32); err == nil {
		q.Before = uint(n)
	}
	return q
}

// filter turns the query into the store's filter: dates are whole days in
// tz, To included. ok is false when a date does not parse or the range is
// reversed.
func (q auditQuery) filter(tz *time.Location) (models.AuditFilter, bool) {
	f := models.AuditFilter{Action: q.Kind, Username: q.Person, ShopID: q.Shop, BeforeID: q.Before}
	if q.From != "" {
		d, err := time.ParseInLocation("2006-01-02", q.From, tz)
		if err != nil {
			return f, false
		}
		f.From = d
	}
	if q.To != "" {
		d, err := time.ParseInLocation("2006-01-02", q.To, tz)
		if err != nil {
			return f, false
		}
		f.To = d.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, false
	}
	return f, true
}

// values are the query's filters (without the cursor) as URL parameters.
func (q auditQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"person": q.Person, "kind": q.Kind, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Shop > 0 {
		v.Set("shop", strconv.FormatUint(uint64(q.Shop), 10))
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// AuditLog shows who did what in sentences, newest first, a page at a time
// (keyset: "older" continues below the last id shown), filtered by person,
// shop, kind and dates.
func (s *Server) AuditLog(c *gin.Context) {
	ctx := c.Request.Context()
	l := loc(c)
	tz := zone(models.DefaultTimezone)
	q := readAuditQuery(c)
	f, ok := q.filter(tz)
	v := audit.View{Person: q.Person, Kind: q.Kind, From: q.From, To: q.To, Shop: q.Shop, Filtered: len(q.values()) > 0}
	people, err := s.Store.AuditPeople(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, p := range people {
		v.People = append(v.People, audit.Option{Value: p, Label: p})
	}
	kinds, err := s.Store.AuditActions(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, k := range kinds {
		v.Kinds = append(v.Kinds, audit.Option{Value: k, Label: auditKind(l, k)})
	}
	shops, _, err := s.Store.ListShops(ctx, scope(c), models.ShopFilter{PerPage: 10000})
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, sh := range shops {
		v.Shops = append(v.Shops, audit.ShopOption{ID: sh.ID, Name: sh.Name})
	}
	status := http.StatusOK
	if !ok {
		v.Error = l.T("audit.filter.bad_date")
		s.render(c, http.StatusUnprocessableEntity, audit.Page(v))
		return
	}
	f.Limit = auditPage
	entries, more, err := s.Store.AuditLog(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	names, err := s.Store.AuditNamesOf(ctx, entries)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, e := range entries {
		at := e.At
		sentence, detail := auditSentence(l, e, names)
		v.Rows = append(v.Rows, audit.Row{At: formatTime(&at, tz), Kind: auditKind(l, e.Action), Sentence: sentence,
			Detail: detail, IP: e.IP})
	}
	vals := q.values()
	v.ExportHref = withQuery("/audit/export.csv", vals)
	if q.Before > 0 {
		v.NewestHref = withQuery("/audit", vals)
	}
	if more {
		vals.Set("before", strconv.FormatUint(uint64(entries[len(entries)-1].ID), 10))
		v.NextHref = withQuery("/audit", vals)
	}
	s.render(c, status, audit.Page(v))
}

// auditExportChunk is how many entries the export reads at a time.
const auditExportChunk = 1000

// AuditExport writes the filtered log as CSV: the same sentences as the
// page, in the reader's language, UTF-8 with a byte-order mark like the
// traffic exports (the same writer).
func (s *Server) AuditExport(c *gin.Context) {
	ctx := c.Request.Context()
	l := loc(c)
	tz := zone(models.DefaultTimezone)
	q := readAuditQuery(c)
	f, ok := q.filter(tz)
	if !ok {
		c.String(http.StatusUnprocessableEntity, l.T("audit.filter.bad_date"))
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="audit-`+time.Now().In(tz).Format("20060102-150405")+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w := csvout.New(c.Writer)
	if err := w.Row(l.T("audit.csv.at"), l.T("audit.csv.person"), l.T("audit.csv.kind"), l.T("audit.csv.sentence"),
		l.T("audit.csv.detail"), l.T("audit.csv.ip")); err != nil {
		_ = c.Error(err)
		return
	}
	f.Limit = auditExportChunk
	for {
		entries, more, err := s.Store.AuditLog(ctx, f)
		if err == nil {
			var names models.AuditNames
			names, err = s.Store.AuditNamesOf(ctx, entries)
			for i := 0; err == nil && i < len(entries); i++ {
				e := entries[i]
				sentence, detail := auditSentence(l, e, names)
				err = w.Row(e.At.In(tz).Format("2006-01-02 15:04:05"), e.Username, auditKind(l, e.Action), sentence, detail, e.IP)
			}
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			_ = c.Error(err) // headers are sent: the log says why the file is short
			if !s.isGone(c, err) {
				s.logger(c).Error("audit export failed", "err", err)
			}
			return
		}
		if !more {
			return
		}
		f.BeforeID = entries[len(entries)-1].ID
	}
}

// isGone logs at info that the client went away, and reports whether it
// did.
func (s *Server) isGone(c *gin.Context, err error) bool {
	if !reqlog.ClientGone(err) && !clientGone(c) {
		return false
	}
	s.logGone(c, "audit export", err)
	return true
}

// auditKind names a kind of action in the reader's language; a kind the
// catalogue does not know is spelled out in words ("camera.door_line":
// "Camera: door line"), never shown as its key.
func auditKind(l *i18n.Localizer, action string) string {
	if s, ok := lookup(l, "audit.kind."+action); ok {
		return s
	}
	return humanize(action)
}

// lookup translates a message that may be missing.
func lookup(l *i18n.Localizer, id string) (string, bool) {
	s := l.T(id)
	return s, s != id
}

// humanize spells a key or field name as words: "camera.door_line" is
// "Camera: door line", "FaceRecogInterval" is "face recog interval".
func humanize(key string) string {
	area, rest, ok := strings.Cut(key, ".")
	if !ok {
		return words(key)
	}
	a := words(area)
	if a != "" {
		a = strings.ToUpper(a[:1]) + a[1:]
	}
	return a + ": " + words(rest)
}

func words(s string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		switch {
		case r == '_' || r == '.' || r == '-':
			r = ' '
		case unicode.IsUpper(r) && prev != 0 && !unicode.IsUpper(prev) && prev != ' ':
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// structDetail matches a detail written with %+v: {Name:value Name:value}.
var structDetail = regexp.MustCompile(`^\{(\w+:[^ ]* ?)+\}$`)

// fieldWords turns a %+v detail into "motion sensitivity 2, sound
// sensitivity 1" with the catalogue's words for the fields (spelled out
// when it has none); any other detail is kept as written.
func fieldWords(l *i18n.Localizer, detail string) string {
	if !structDetail.MatchString(detail) {
		return detail
	}
	var out []string
	for _, kv := range strings.Fields(strings.Trim(detail, "{}")) {
		k, v, _ := strings.Cut(kv, ":")
		name, ok := lookup(l, "audit.field."+k)
		if !ok {
			name = words(k)
		}
		out = append(out, name+" "+v)
	}
	sep := ", "
	if l.Lang != "en" {
		sep = "，"
	}
	return strings.Join(out, sep)
}

// shopRef is a shop named by id in a detail ("shop 3 mac ...").
var shopRef = regexp.MustCompile(`\bshop (\d+)\b`)

// shopNames writes the shops a detail names by id by their names.
func shopNames(detail string, n models.AuditNames) string {
	return shopRef.ReplaceAllStringFunc(detail, func(m string) string {
		id, _ := strconv.ParseUint(m[len("shop "):], 10, 32)
		if name, ok := n.Shops[uint(id)]; ok {
			return name
		}
		return m
	})
}

// auditSentence tells an entry as a sentence in the reader's language
// ("Li Wei changed the door line of Camera 2 at Shop 3") with the names
// things have now, and the detail that is left to say (fields in words).
func auditSentence(l *i18n.Localizer, e models.AuditEntry, n models.AuditNames) (sentence, detail string) {
	data := map[string]any{"Who": auditWho(l, e.Username, n), "Target": auditTarget(l, e, n)}
	detail = shopNames(fieldWords(l, e.Detail), n)
	key := "audit.s." + e.Action
	switch e.Action {
	case "user.create":
		data["Role"] = l.T("role." + e.Detail)
		detail = ""
	case "user.password":
		if e.Detail == "own password changed" {
			key, detail = "audit.s.user.password_own", ""
		} else {
			detail = ""
		}
	case "camera.led":
		data["OnOff"] = l.T("audit.off")
		if e.Detail == "true" {
			data["OnOff"] = l.T("audit.on")
		}
		detail = ""
	case "camera.rotation":
		data["Degrees"], detail = e.Detail, ""
	case "events.retention":
		data["Days"], detail = e.Detail, ""
	case "face.delete":
		// "<name>: <note code>" (faces.Note*): the note in words.
		if name, note, ok := strings.Cut(e.Detail, ": "); ok {
			detail = name + ": " + deletionNote(l, note)
		}
	case "auth.login", "auth.logout", "auth.login_failed", "camera.reboot", "camera.lens_reset", "camera.format_sd",
		"camera.factory_reset", "face.retry", "senselink.device_delete", "senselink.department_delete":
		detail = ""
	case "shop.create", "shop.update", "shop.delete":
		if e.Detail == data["Target"] {
			detail = ""
		}
	}
	if s := l.Tf(key, data); s != key {
		return s, detail
	}
	// A kind the catalogue has no sentence for: who, what in words, on what.
	data["Action"] = auditKind(l, e.Action)
	if data["Target"] == "" {
		return l.Tf("audit.s.generic_untargeted", data), detail
	}
	return l.Tf("audit.s.generic", data), detail
}

// auditWho names the person: their display name when they have one.
func auditWho(l *i18n.Localizer, username string, n models.AuditNames) string {
	switch username {
	case "":
		return l.T("audit.who.someone")
	case "system":
		return l.T("audit.who.system")
	}
	if d := n.People[username]; d != "" {
		return d
	}
	return username
}

// auditTarget names what was acted on, as it is called now; something
// deleted since is named by what the entry kept.
func auditTarget(l *i18n.Localizer, e models.AuditEntry, n models.AuditNames) string {
	id64, _ := strconv.ParseUint(e.TargetID, 10, 32)
	id := uint(id64)
	shopName := func(sid uint) string {
		if name, ok := n.Shops[sid]; ok {
			return name
		}
		return l.Tf("audit.target.shop_id", map[string]any{"ID": sid})
	}
	switch e.TargetType {
	case "":
		return ""
	case "shop":
		if name, ok := n.Shops[id]; ok {
			return name
		}
		switch e.Action {
		case "shop.create", "shop.update", "shop.delete": // the detail kept its name
			if e.Detail != "" {
				return e.Detail
			}
		}
		return l.Tf("audit.target.shop_id", map[string]any{"ID": e.TargetID})
	case "camera":
		if cam, ok := n.Cameras[e.TargetID]; ok {
			name := cam.Name
			if name == "" {
				name = e.TargetID
			}
			return l.Tf("audit.target.camera", map[string]any{"Camera": name, "Shop": shopName(cam.ShopID)})
		}
		return l.Tf("audit.target.camera_sn", map[string]any{"SN": e.TargetID})
	case "user":
		if d := n.People[e.TargetID]; d != "" {
			return d
		}
		return e.TargetID
	case "vendor_account":
		if name, ok := n.Accounts[id]; ok {
			return name
		}
		return l.Tf("audit.target.account_id", map[string]any{"ID": e.TargetID})
	case "face_group":
		if g, ok := n.FaceGroups[id]; ok {
			return l.Tf("audit.target.group", map[string]any{"Group": g.Name, "Shop": shopName(g.ShopID)})
		}
		return l.Tf("audit.target.group_id", map[string]any{"ID": e.TargetID})
	case "face":
		if strings.Contains(e.TargetID, ",") {
			return l.Tf("audit.target.faces", map[string]any{"Count": strings.Count(e.TargetID, ",") + 1})
		}
		if f, ok := n.Faces[id]; ok && f.Name != "" {
			return l.Tf("audit.target.face", map[string]any{"Face": f.Name, "Shop": shopName(f.ShopID)})
		}
		if e.TargetID == "" {
			return ""
		}
		return l.Tf("audit.target.face_id", map[string]any{"ID": e.TargetID})
	case "senselink":
		kind, num, _ := strings.Cut(e.TargetID, " ")
		switch kind {
		case "device":
			return l.Tf("audit.target.device", map[string]any{"ID": num})
		case "department":
			return l.Tf("audit.target.department", map[string]any{"ID": num})
		}
		return e.TargetID
	case "signin":
		return l.Tf("audit.target.signin", map[string]any{"ID": e.TargetID})
	case "setting", "settings":
		return ""
	}
	return strings.TrimSpace(words(e.TargetType) + " " + e.TargetID)
}
