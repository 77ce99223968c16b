package photos

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// BenchmarkPhotoPipeline12MP: a 4000x3000 JPEG (a phone photo's size and
// weight) to a vendor-ready JPEG, face check and thumbnail included. Run
// with -cpu 1 for the one-core figure of BENCHMARKS.md.
func BenchmarkPhotoPipeline12MP(b *testing.B) {
	p := newPipeline(b)
	src := encodeJPEG(b, bigPhoto(b, 4000, 3000), 90)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	var out int
	b.ResetTimer()
	for b.Loop() {
		res, err := p.Process(context.Background(), src)
		if err != nil || res.FaceError() != nil {
			b.Fatal(err, res.FaceError())
		}
		out = len(res.JPEG)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/photo")
	b.ReportMetric(float64(out), "out-bytes")
	b.ReportMetric(float64(len(src)), "in-bytes")
}

// BenchmarkPhotoPipelineTwoAtOnce: two 12 MP uploads processed at the same
// time; reports the highest live heap seen (sampled every 200 µs), which
// must stay under 150 MB.
func BenchmarkPhotoPipelineTwoAtOnce(b *testing.B) {
	p := newPipeline(b)
	src := encodeJPEG(b, bigPhoto(b, 4000, 3000), 90)
	runtime.GC()
	peak := heapPeak(func() {
		for b.Loop() {
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					if _, err := p.Process(context.Background(), src); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
		}
	})
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkBombRefusal: a PNG declaring 30000x30000 pixels (3.4 GB decoded)
// is refused from its header; reports ms per refusal (target under 10 ms).
func BenchmarkBombRefusal(b *testing.B) {
	p := newPipeline(b)
	bomb := pngBomb(30000, 30000)
	b.ReportAllocs()
	for b.Loop() {
		var dim *DimensionsError
		if _, err := p.Process(context.Background(), bomb); !errors.As(err, &dim) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/refusal")
}

// heapPeak runs f while sampling the bytes of live and not yet swept heap
// objects, and returns the largest value seen.
func heapPeak(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return peak
}
