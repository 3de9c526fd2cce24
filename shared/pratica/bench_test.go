package pratica

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSubmission reports the store operations of one submission (a
// read and the one conditional write).
func BenchmarkSubmission(b *testing.B) {
	s, d := countingStore(b)
	ctx := context.Background()
	var ops int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		draft, _, err := s.Start(ctx, tenant, citizen, fmt.Sprintf("servizio-%d", i), false)
		if err != nil {
			b.Fatal(err)
		}
		before := d.ops.Load()
		b.StartTimer()
		if _, err := s.Submit(ctx, tenant, citizen, draft.ID, "k", formData); err != nil {
			b.Fatal(err)
		}
		ops += d.ops.Load() - before
	}
	b.ReportMetric(float64(ops)/float64(b.N), "store-ops/submission")
}

// BenchmarkMyApplicationsPage reports the store operations of one page of
// "Le mie pratiche" (target: one query).
func BenchmarkMyApplicationsPage(b *testing.B) {
	s, d := countingStore(b)
	ctx := context.Background()
	for i := range 60 {
		mustSubmit(b, s, citizen, fmt.Sprintf("servizio-%d", i))
	}
	before := d.ops.Load()
	for b.Loop() {
		p, err := s.Mine(ctx, tenant, citizen, Sent, "", 20)
		if err != nil || len(p.Applications) != 20 {
			b.Fatalf("got %d applications (%v), want 20", len(p.Applications), err)
		}
	}
	b.ReportMetric(float64(d.ops.Load()-before)/float64(b.N), "store-ops/page")
}

func TestSubmissionIsOneReadAndOneWrite(t *testing.T) {
	s, d := countingStore(t)
	draft := mustStart(t, s, citizen, service)
	before := d.ops.Load()
	if _, err := s.Submit(context.Background(), tenant, citizen, draft.ID, "k", formData); err != nil {
		t.Fatal(err)
	}
	if got := d.ops.Load() - before; got != 2 {
		t.Errorf("got %d store operations, want 2 (a read and the write)", got)
	}
}
