package faces_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"storelens/internal/models"
)

// BenchmarkBulk200 sends a batch of 200 photos (512x512 JPEGs, one face
// each) through the whole flow: the pipeline, /face/add at the simulator
// over HTTPS, the simulator's processing, and the reconciler until every
// face is enrolled. Reports photos per second.
func BenchmarkBulk200(b *testing.B) {
	const n = 200
	var files []file
	for i := range n {
		files = append(files, file{fmt.Sprintf("p%03d.jpg", i), variant(b, i)})
	}
	ctx := context.Background()
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		b.StopTimer()
		e := newEnv(b, 0)
		staff := e.group("staff")
		ups := e.uploads(files)
		b.StartTimer()
		start := time.Now()
		if _, err := e.svc.StartBatch(ctx, e.admin, e.shop, staff, consent, ups); err != nil {
			b.Fatal(err)
		}
		e.svc.WaitBatches()
		for {
			if err := e.svc.ResolvePending(ctx); err != nil {
				b.Fatal(err)
			}
			open, _ := e.st.OpenFaces(ctx, 1)
			if len(open) == 0 {
				break
			}
		}
		total += time.Since(start)
		b.StopTimer()
		_, count, _ := e.st.Faces(ctx, models.FaceFilter{ShopID: e.shop.ID, GroupID: staff.ID})
		if count != n || len(e.sim.Faces("560279010301")) != n {
			b.Fatalf("%d faces here, %d at the vendor", count, len(e.sim.Faces("560279010301")))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "photos/s")
}
