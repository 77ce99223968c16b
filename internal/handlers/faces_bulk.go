package handlers

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/photos"
	"storelens/internal/vendors"
	faceview "storelens/web/templates/faces"
)

// maxBulkBody bounds a bulk upload: MaxBatch photos of a phone's size.
const maxBulkBody = 1 << 30

func (s *Server) bulkView(c *gin.Context, sh *models.Shop, groups []models.FaceGroup, group, by, purpose string, consent bool) faceview.BulkView {
	l := loc(c)
	g, _ := pickGroup(groups, group)
	back := facesHref(sh.ID)
	if g.ID != 0 {
		back = faceGroupHref(sh.ID, g.ID)
	}
	if by == "" {
		by = userName(c)
	}
	return faceview.BulkView{Header: s.shopHeader(c, sh, "faces"), Action: facesHref(sh.ID) + "/bulk", Cancel: back,
		Groups:  withPurposes(l, groupOptions(l, groups, g.ID, string(vendors.GroupStranger)), groups),
		Consent: consentView(l, g, consent, by, purpose, nil), MaxFiles: faces.MaxBatch}
}

// BulkForm shows the bulk enrollment form.
func (s *Server) BulkForm(c *gin.Context) {
	sh := currentShop(c)
	groups, err := s.Store.FaceGroups(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, faceview.Bulk(s.bulkView(c, sh, groups, c.Query("group"), "", "", false)))
}

// bulkUpload is a bulk form as read from its multipart stream.
type bulkUpload struct {
	fields map[string]string
	ups    []faces.Upload
}

// readBulk streams the multipart body: each photo goes to disk as it
// arrives (never the whole upload in memory), a ZIP is unpacked.
func (s *Server) readBulk(c *gin.Context) (bulkUpload, error) {
	b := bulkUpload{fields: map[string]string{}}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBulkBody)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return b, err
	}
	svc := s.Faces.Service
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if p.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(p, 4096))
			if err != nil {
				return b, err
			}
			b.fields[p.FormName()] = strings.TrimSpace(string(v))
			continue
		}
		if p.FormName() != "files" {
			continue
		}
		if err := s.readBulkFile(svc, p, &b); err != nil {
			return b, err
		}
		if len(b.ups) > faces.MaxBatch {
			return b, faces.ErrTooManyPhotos
		}
	}
}

func (s *Server) readBulkFile(svc *faces.Service, p *multipart.Part, b *bulkUpload) error {
	name := path.Base(strings.ReplaceAll(p.FileName(), "\\", "/"))
	if strings.EqualFold(path.Ext(name), ".zip") {
		tmp, err := svc.SaveUpload(p, maxBulkBody)
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		ups, err := svc.ReadZip(tmp)
		if err != nil {
			return err
		}
		b.ups = append(b.ups, ups...)
		return nil
	}
	tmp, err := svc.SaveUpload(p, 0)
	if errors.Is(err, photos.ErrTooManyBytes) { // refused by name in the results
		b.ups = append(b.ups, faces.Upload{FileName: name, Refused: "photo:too_many_bytes"})
		return nil
	}
	if err != nil {
		return err
	}
	b.ups = append(b.ups, faces.Upload{FileName: name, Path: tmp, Face: vendors.FaceInput{Name: faces.NameFromFile(name)}})
	return nil
}

// BulkEnroll starts a bulk enrollment and sends the browser to its
// progress page (faces.js asks for JSON and follows itself).
func (s *Server) BulkEnroll(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	groups, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.readBulk(c)
	f := b.fields
	v := s.bulkView(c, sh, groups, f["group"], f["consent_by"], f["consent_purpose"], f["consent"] == "1")
	wantsJSON := strings.Contains(c.GetHeader("Accept"), "application/json")
	refuse := func(errs formErrors, msg string) {
		faces.Discard(b.ups)
		if wantsJSON {
			for _, e := range errs {
				msg += " " + strings.Join(e, " ")
			}
			c.JSON(http.StatusUnprocessableEntity, gin.H{"error": strings.TrimSpace(msg)})
			return
		}
		v.Errors, v.Consent.Errors, v.Error = errs, errs, msg
		s.render(c, http.StatusUnprocessableEntity, faceview.Bulk(v))
	}
	if err != nil {
		msg := explain(l, err)
		if msg == "" {
			var mbe *http.MaxBytesError
			if !errors.As(err, &mbe) {
				faces.Discard(b.ups)
				s.fail(c, err)
				return
			}
			msg = l.T("faces.error.upload_too_large")
		}
		refuse(nil, msg)
		return
	}
	errs := formErrors{}
	g, ok := pickGroup(groups, f["group"])
	if !ok {
		errs.add("group", l.T("form.required"))
	}
	if len(b.ups) == 0 {
		errs.add("files", l.T("faces.error.no_files"))
	}
	consent := consentFields(l, errs, g, f["consent"] == "1", f["consent_by"], f["consent_purpose"])
	if len(errs) > 0 {
		refuse(errs, "")
		return
	}
	batch, err := s.Faces.Service.StartBatch(ctx, actor(c), *sh, g, consent, b.ups)
	if err != nil {
		if msg := explain(l, err); msg != "" {
			refuse(nil, msg)
			return
		}
		s.fail(c, err)
		return
	}
	to := batchHref(sh.ID, batch.ID)
	if wantsJSON {
		c.JSON(http.StatusOK, gin.H{"batch_url": to})
		return
	}
	redirect(c, to)
}

func (s *Server) loadBatch(c *gin.Context) (models.FaceBatch, bool) {
	id, ok := s.paramID(c, "batch")
	if !ok {
		return models.FaceBatch{}, false
	}
	b, err := s.Store.FaceBatch(c.Request.Context(), currentShop(c).ID, id)
	if err != nil {
		s.fail(c, err)
		return b, false
	}
	return b, true
}

// FaceBatch shows a batch: its progress while it runs, then a result per
// photo.
func (s *Server) FaceBatch(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	b, ok := s.loadBatch(c)
	if !ok {
		return
	}
	p, err := s.Store.FaceBatchProgress(ctx, b.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	g, err := s.Store.FaceGroup(ctx, sh.ID, b.GroupID)
	if err != nil {
		s.fail(c, err)
		return
	}
	processed := p.Total - p.Queued
	v := faceview.BatchView{Header: s.shopHeader(c, sh, "faces"), GroupName: loc(c).Vendor(i18n.GroupName, g.Name), GroupHref: faceGroupHref(sh.ID, g.ID),
		ProgressURL: batchHref(sh.ID, b.ID) + "/progress", Total: p.Total, Processed: processed, Percent: percent(processed, p.Total),
		Done: p.Done, Failed: p.Failed, Skipped: p.Skipped, Running: b.State == "running", By: b.CreatedBy,
		Consent: l.Tf("faces.consent_line", map[string]any{"By": b.ConsentBy, "At": formatTime(b.ConsentAt, zone(sh.Timezone)),
			"Purpose": purposeLabel(l, b.ConsentPurpose)})}
	if !v.Running {
		rows, err := s.Store.FaceBatchItems(ctx, b.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, r := range rows {
			state := batchState(r)
			row := faceview.BatchRow{Seq: r.Seq, FileName: r.FileName, Name: r.Name, State: state,
				StateLabel: stateLabel(l, state), Message: batchMessage(l, r)}
			if r.FaceID != nil {
				row.FaceHref = faceHref(sh.ID, *r.FaceID)
				if r.ThumbHash != "" {
					row.Thumb = facePhotoHref(sh.ID, r.ThumbHash)
				}
			}
			v.Rows = append(v.Rows, row)
		}
	}
	s.render(c, http.StatusOK, faceview.Batch(v))
}

func percent(n, total int) int {
	if total == 0 {
		return 100
	}
	return n * 100 / total
}

// FaceBatchProgress is a batch's progress for faces.js.
func (s *Server) FaceBatchProgress(c *gin.Context) {
	b, ok := s.loadBatch(c)
	if !ok {
		return
	}
	p, err := s.Store.FaceBatchProgress(c.Request.Context(), b.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	processed := p.Total - p.Queued
	l := loc(c)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"total": p.Total, "processed": processed, "percent": percent(processed, p.Total),
		"done": p.Done, "failed": p.Failed, "skipped": p.Skipped, "running": b.State == "running",
		"summary": l.Tf("faces.batch_summary", map[string]any{"Processed": processed, "Total": p.Total, "Done": p.Done,
			"Failed": p.Failed, "Skipped": p.Skipped}),
		"id": strconv.FormatUint(uint64(b.ID), 10)})
}
