package blobs_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"testing"

	"storelens/internal/blobs"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// BenchmarkBlobs (BENCHMARKS.md "Shared files"): storing and reading a
// 60 KB picture (a capture's size; a face photo is up to 1 MB) in files and
// in the database of this run (SQLite, or PostgreSQL under
// scripts/pgtest.sh), one at a time and 8 at once. MB/s is reported by
// -benchmem's SetBytes; ns/op is one blob.
func BenchmarkBlobs(b *testing.B) {
	for _, size := range []int{60 << 10, 600 << 10} {
		data := make([]byte, size)
		rand.Read(data)
		for _, kind := range []string{"dir", "database"} {
			var s blobs.Store
			label := kind
			if kind == "dir" {
				d, err := blobs.NewDir(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				s = d
			} else {
				st := modelstest.Open(b, models.Options{Logger: slog.New(slog.DiscardHandler)})
				s, label = blobs.NewDatabase(st, "pictures"), st.DB().Dialector.Name()
			}
			ctx := context.Background()
			b.Run(fmt.Sprintf("put/%s/%dKB", label, size>>10), func(b *testing.B) {
				b.SetBytes(int64(size))
				for i := 0; b.Loop(); i++ {
					if err := s.Put(ctx, fmt.Sprintf("p%d-%d.jpg", size, i), data); err != nil {
						b.Fatal(err)
					}
				}
			})
			name := fmt.Sprintf("r%d.jpg", size)
			if err := s.Put(ctx, name, data); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("get/%s/%dKB", label, size>>10), func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					if _, _, err := s.Get(ctx, name); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("get-parallel8/%s/%dKB", label, size>>10), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.SetParallelism(4) // 8 goroutines on 2 cores
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, _, err := s.Get(ctx, name); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
