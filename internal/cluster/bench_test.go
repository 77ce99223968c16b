package cluster_test

import (
	"testing"
	"time"

	"storelens/internal/cluster"
)

// BenchmarkFanoutLatency is one event's way from instance A's commit to
// instance B's hub (PostgreSQL only): an op stores one event on A and waits
// until B's hub has it.
func BenchmarkFanoutLatency(b *testing.B) {
	a, other, shop := pair(b, cluster.Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ids := a.store(b, shop, 1)
		deadline := time.After(5 * time.Second)
		for {
			got, _ := other.hub.snapshot()
			if len(got) > 0 && got[len(got)-1] == ids[0] {
				break
			}
			select {
			case <-other.hub.wake:
			case <-deadline:
				b.Fatalf("event %d did not reach B", ids[0])
			}
		}
	}
}
