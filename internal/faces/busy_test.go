package faces

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"storelens/internal/photos"
)

// A batch's photo meeting a busy pipeline waits it out, as long as the
// batch runs, instead of failing as "busy"; stopped, it gives the
// batch's reason, not a photo refusal.
func TestBatchPhotoWaitsOutABusyPipeline(t *testing.T) {
	pipe, err := photos.New(photos.DefaultLimits, photos.Options{Memory: 64 << 20, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	store, err := photos.NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Pipeline: pipe, Photos: store}
	photo, err := os.ReadFile("../photos/testdata/astronaut.png")
	if err != nil {
		t.Fatal(err)
	}
	release, err := pipe.Reserve(context.Background(), pipe.Budget())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckPhoto(context.Background(), 1, photo); !errors.Is(err, photos.ErrBusy) {
		t.Fatalf("CheckPhoto while busy: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		st, err := s.checkPatiently(context.Background(), 1, photo)
		if err == nil && st.FaceErr != nil {
			err = st.FaceErr
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // several busy refusals' worth
	select {
	case err := <-done:
		t.Fatalf("returned while the pipeline was busy: %v", err)
	default:
	}
	release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("never went through")
	}
	if pipe.Stats().Busy < 2 {
		t.Fatalf("stats %+v: the batch photo should have met the busy pipeline", pipe.Stats())
	}

	release, _ = pipe.Reserve(context.Background(), pipe.Budget())
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.checkPatiently(ctx, 1, photo); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stopped batch: %v", err)
	}
}
