package faces

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"storelens/internal/blobs"
	"storelens/internal/models"
	"storelens/internal/photos"
	"storelens/internal/vendors"
)

// MaxBatch is the most photos one bulk upload may hold.
const MaxBatch = 500

// Upload is one photo of a bulk upload, waiting on disk.
type Upload struct {
	FileName string // as the user named it, for the result table
	Path     string // where it waits ("" when refused)
	Face     vendors.FaceInput
	// Refused is why it cannot be processed at all, as a batch result
	// ("missing_file": the CSV names a photo the ZIP lacks;
	// "photo:too_many_bytes").
	Refused string
}

// ErrTooManyPhotos refuses a bulk upload of more than MaxBatch photos.
var ErrTooManyPhotos = fmt.Errorf("faces: at most %d photos at once", MaxBatch)

func (s *Service) incomingDir() string { return filepath.Join(s.UploadDir, "incoming") }

// batchDir is where a batch started before Batches kept its photos (an
// older version) has them.
func (s *Service) batchDir(id uint) string {
	return filepath.Join(s.UploadDir, "batch-"+strconv.FormatUint(uint64(id), 10))
}

func (s *Service) batchStore() blobs.Store {
	if s.Batches != nil {
		return s.Batches
	}
	return blobs.DirAt(filepath.Join(s.UploadDir, "batches"))
}

// batchPhoto names the photo seq of batch id in batchStore.
func batchPhoto(id uint, seq int) string { return fmt.Sprintf("b%d-%d", id, seq) }

// SaveUpload writes one uploaded file to the incoming directory (0600,
// under a random name: never the user's), refusing one larger than limit
// (0: the largest photo the pipeline accepts) with photos.ErrTooManyBytes.
func (s *Service) SaveUpload(r io.Reader, limit int64) (string, error) {
	if err := os.MkdirAll(s.incomingDir(), 0o700); err != nil {
		return "", err
	}
	b := make([]byte, 12)
	rand.Read(b)
	path := filepath.Join(s.incomingDir(), hex.EncodeToString(b))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	max := limit
	if max <= 0 {
		max = s.Pipeline.Limits().MaxBytes
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = photos.ErrTooManyBytes
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// Discard removes uploads that will not be processed.
func Discard(ups []Upload) {
	for _, u := range ups {
		if u.Path != "" {
			os.Remove(u.Path)
		}
	}
}

// StartBatch records a bulk enrollment into group g and starts processing
// it in the background; its page shows the progress. The consent covers
// every person of the batch.
func (s *Service) StartBatch(ctx context.Context, actor models.Actor, shop models.Shop, g models.FaceGroup, consent Consent, ups []Upload) (models.FaceBatch, error) {
	if !consent.ok() {
		Discard(ups)
		return models.FaceBatch{}, ErrConsentRequired
	}
	if len(ups) > MaxBatch {
		Discard(ups)
		return models.FaceBatch{}, ErrTooManyPhotos
	}
	at := consent.At.UTC()
	b := models.FaceBatch{ShopID: shop.ID, GroupID: g.ID, CreatedBy: actor.Username, ConsentBy: consent.By,
		ConsentAt: &at, ConsentPurpose: consent.Purpose}
	items := make([]models.FaceBatchItem, len(ups))
	for i, u := range ups {
		it := models.FaceBatchItem{Seq: i + 1, FileName: u.FileName, Name: u.Face.Name, Gender: string(u.Face.Gender),
			AgeRange: int(u.Face.Age)}
		if it.Gender == "" {
			it.Gender = string(vendors.GenderUnknown)
		}
		it.SetCustom(u.Face.Custom)
		if u.Refused != "" {
			it.State, it.Result = models.ItemFailed, u.Refused
		}
		items[i] = it
	}
	detail := fmt.Sprintf("%d photos into %q; consent by %s for %q", len(ups), g.Name, consent.By, consent.Purpose)
	if err := s.Store.CreateFaceBatch(ctx, &b, items, actor.Entry("face.bulk", "face_group", itoa(g.ID), detail)); err != nil {
		Discard(ups)
		return b, err
	}
	// The photos go where any instance resuming the batch finds them.
	store := s.batchStore()
	for i, u := range ups {
		if u.Path == "" {
			continue
		}
		data, err := os.ReadFile(u.Path)
		if err == nil {
			err = store.Put(ctx, batchPhoto(b.ID, i+1), data)
		}
		if err != nil {
			Discard(ups[i:])
			return b, err
		}
		os.Remove(u.Path)
	}
	s.startWorker(b.ID)
	return b, nil
}

// ResumeBatches restarts the batches a stop interrupted.
func (s *Service) ResumeBatches(ctx context.Context) error {
	bs, err := s.Store.RunningFaceBatches(ctx)
	if err != nil {
		return err
	}
	for _, b := range bs {
		s.startWorker(b.ID)
	}
	return nil
}

// WaitBatches waits for the batch workers running now (tests, shutdown).
func (s *Service) WaitBatches() { s.batches.Wait() }

func (s *Service) startWorker(id uint) {
	if _, busy := s.running.LoadOrStore(id, struct{}{}); busy {
		return
	}
	s.batches.Add(1)
	go func() {
		defer s.batches.Done()
		defer s.running.Delete(id)
		if err := s.runBatch(s.baseContext(), id); err != nil {
			s.log().Warn("face batch stopped", "batch", id, "err", err)
		}
	}()
}

// batchWorkers is how many photos of a batch are processed at once: the
// pipeline is CPU-bound and the machines have two cores; the vendor is
// asked no faster than that.
const batchWorkers = 2

// runBatch processes a batch's queued photos, two at a time. A photo that
// fails never stops the others. Stopped by ctx, it leaves the rest queued
// for the next start.
func (s *Service) runBatch(ctx context.Context, id uint) error {
	b, err := s.batchByID(ctx, id)
	if err != nil {
		return err
	}
	shop, err := s.Store.Shop(ctx, models.AllShops(), b.ShopID)
	if err != nil {
		return err
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, b.GroupID)
	if err != nil {
		return err
	}
	queued, err := s.Store.QueuedBatchItems(ctx, b.ID)
	if err != nil {
		return err
	}
	actor := models.Actor{Username: b.CreatedBy}
	consent := Consent{By: b.ConsentBy, Purpose: b.ConsentPurpose}
	if b.ConsentAt != nil {
		consent.At = *b.ConsentAt
	}
	items := make(chan models.FaceBatchItem)
	errs := make(chan error, batchWorkers)
	var wg sync.WaitGroup
	for range batchWorkers {
		wg.Go(func() {
			for it := range items {
				out := s.processItem(ctx, actor, shop, g, consent, b, it)
				if ctx.Err() != nil && out.result == "cancelled" {
					continue // left queued: resumed at the next start
				}
				if err := s.Store.FinishBatchItem(context.WithoutCancel(ctx), it.ID, out.state, out.faceID, out.result, out.detail); err != nil {
					errs <- err
					return
				}
				s.dropBatchPhoto(context.WithoutCancel(ctx), b.ID, it.Seq)
			}
		})
	}
feed:
	for _, it := range queued {
		select {
		case items <- it:
		case <-ctx.Done():
			break feed
		case err = <-errs:
			break feed
		}
	}
	close(items)
	wg.Wait()
	select {
	case err = <-errs:
	default:
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	os.RemoveAll(s.batchDir(b.ID))
	s.wake()
	return s.Store.FinishFaceBatch(ctx, b.ID)
}

// batchPhotoData reads a queued photo of a batch (an older version's file
// if the store has none).
func (s *Service) batchPhotoData(ctx context.Context, id uint, seq int) ([]byte, error) {
	data, _, err := s.batchStore().Get(ctx, batchPhoto(id, seq))
	if errors.Is(err, blobs.ErrNotFound) {
		return os.ReadFile(filepath.Join(s.batchDir(id), strconv.Itoa(seq)))
	}
	return data, err
}

// dropBatchPhoto removes a processed photo of a batch.
func (s *Service) dropBatchPhoto(ctx context.Context, id uint, seq int) {
	if err := s.batchStore().Remove(ctx, batchPhoto(id, seq)); err != nil {
		s.log().Warn("face batch: remove a processed photo", "batch", id, "seq", seq, "err", err)
	}
	os.Remove(filepath.Join(s.batchDir(id), strconv.Itoa(seq)))
}

func (s *Service) batchByID(ctx context.Context, id uint) (models.FaceBatch, error) {
	return s.Store.FaceBatchByID(ctx, id)
}

type itemOutcome struct {
	state          string
	faceID         *uint
	result, detail string
}

// processItem enrolls one photo of a batch. Results (for the table):
// "photo" with the pipeline's reason, "missing_file", "duplicate" (already
// enrolled: skipped, not enrolled twice), "retried" (a failed face of the
// same photo sent again), "vendor" with the vendor's reason (the face is
// kept as failed, to retry), or "" when sent.
func (s *Service) processItem(ctx context.Context, actor models.Actor, shop models.Shop, g models.FaceGroup, consent Consent, b models.FaceBatch, it models.FaceBatchItem) itemOutcome {
	data, err := s.batchPhotoData(ctx, b.ID, it.Seq)
	if err != nil {
		return itemOutcome{state: models.ItemFailed, result: "missing_file"}
	}
	st, err := s.checkPatiently(ctx, shop.ID, data)
	if err != nil {
		if ctx.Err() != nil {
			return itemOutcome{state: models.ItemFailed, result: "cancelled"}
		}
		key, arg := PhotoReason(err)
		return itemOutcome{state: models.ItemFailed, result: "photo:" + key, detail: arg}
	}
	if st.FaceErr != nil {
		key, arg := PhotoReason(st.FaceErr)
		return itemOutcome{state: models.ItemFailed, result: "photo:" + key, detail: arg}
	}
	if dup, err := s.Store.FaceBySourceHash(ctx, shop.ID, st.SourceHash); err == nil {
		id := dup.ID
		if dup.State != models.FaceFailed {
			return itemOutcome{state: models.ItemSkipped, faceID: &id, result: "duplicate"}
		}
		f, err := s.Retry(ctx, actor, shop, dup)
		return s.sentOutcome(f, err, "retried")
	}
	in := EnrollInput{GroupID: g.ID, Consent: consent, Face: vendors.FaceInput{Name: it.Name, Gender: vendors.Gender(it.Gender),
		Age: vendors.AgeRange(it.AgeRange), Custom: it.Custom()}}
	f, err := s.enroll(ctx, actor, shop, in, st, false)
	var dup *DuplicateError
	if errors.As(err, &dup) {
		id := dup.Face.ID
		return itemOutcome{state: models.ItemSkipped, faceID: &id, result: "duplicate"}
	}
	return s.sentOutcome(f, err, "")
}

// checkPatiently is CheckPhoto for a batch, which nobody is waiting on: a
// busy pipeline (people checking photos at the same time) is waited out,
// for as long as the batch runs.
func (s *Service) checkPatiently(ctx context.Context, shopID uint, data []byte) (Staged, error) {
	for {
		st, err := s.CheckPhoto(ctx, shopID, data)
		var busy *photos.BusyError
		if !errors.As(err, &busy) {
			return st, err
		}
		select {
		case <-time.After(busy.RetryAfter):
		case <-ctx.Done():
			return Staged{}, ctx.Err()
		}
	}
}

func (s *Service) sentOutcome(f models.Face, err error, result string) itemOutcome {
	if err != nil {
		return itemOutcome{state: models.ItemFailed, result: "error", detail: err.Error()}
	}
	id := f.ID
	if f.State == models.FaceFailed {
		return itemOutcome{state: models.ItemFailed, faceID: &id, result: "vendor", detail: f.Error}
	}
	return itemOutcome{state: models.ItemDone, faceID: &id, result: result}
}

// PhotoReason names why the pipeline refused a photo, as a message key
// and its argument, for pages and batch results in any language.
func PhotoReason(err error) (key, arg string) {
	var un *photos.UnsupportedError
	var dim *photos.DimensionsError
	var many *photos.ManyFacesError
	var mem *photos.MemoryError
	var busy *photos.BusyError
	switch {
	case errors.As(err, &busy):
		return "busy", strconv.Itoa(int(math.Ceil(busy.RetryAfter.Seconds())))
	case errors.As(err, &mem):
		return "too_much_memory", fmt.Sprintf("%dx%d", mem.Width, mem.Height)
	case errors.As(err, &un):
		return "unsupported", string(un.Format)
	case errors.As(err, &dim) && dim.TooSmall:
		return "too_small", fmt.Sprintf("%dx%d", dim.Width, dim.Height)
	case errors.As(err, &dim):
		return "too_large", fmt.Sprintf("%dx%d", dim.Width, dim.Height)
	case errors.As(err, &many):
		return "many_faces", strconv.Itoa(many.Count)
	case errors.Is(err, photos.ErrNoFace):
		return "no_face", ""
	case errors.Is(err, photos.ErrCorrupt):
		return "corrupt", ""
	case errors.Is(err, photos.ErrTooManyBytes):
		return "too_many_bytes", ""
	case errors.Is(err, photos.ErrEmpty):
		return "empty", ""
	case errors.Is(err, photos.ErrCannotShrink):
		return "cannot_shrink", ""
	}
	return "", ""
}
