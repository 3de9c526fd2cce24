package protocollo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff says how WithRetry spaces its attempts: exponential waits with
// jitter, so that the workers of many Comuni retrying after one outage of a
// shared register do not all call it again at the same instant.
type Backoff struct {
	Attempts int           // at most this many calls, the first included; below 2, no retry
	Base     time.Duration // the wait before the second call, before jitter
	Max      time.Duration // the longest wait, before jitter
	// Sleep waits d, or returns ctx's error when ctx ends first; nil waits on
	// a timer. Tests inject one that only records d.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); nil draws one from math/rand/v2.
	Jitter func() float64
}

// DefaultBackoff waits about 0.2, 0.4, 0.8 and 1.6 seconds: under three
// seconds in all, short enough to hold one change of the feed. A register
// down for longer makes the change fail, and the feed delivers it again.
var DefaultBackoff = Backoff{Attempts: 5, Base: 200 * time.Millisecond, Max: 5 * time.Second}

// Wait returns the wait after the n-th failed call (n from 1): the base
// doubled n-1 times, capped at Max, of which the second half is jitter
// ("equal jitter"), so a wait is never shorter than half its step.
func (b Backoff) Wait(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	jitter := rand.Float64
	if b.Jitter != nil {
		jitter = b.Jitter
	}
	return d/2 + time.Duration(jitter()*float64(d/2))
}

func (b Backoff) sleep(ctx context.Context, d time.Duration) error {
	if b.Sleep != nil {
		return b.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WithRetry returns a Registry that calls r again, with the same request,
// after each retryable error, as b says. Retrying is safe because Register
// is idempotent per request ID. When the attempts run out it returns the
// last error, still retryable, so the worker's change comes again later.
func WithRetry(r Registry, b Backoff) Registry { return retrying{r, b} }

type retrying struct {
	next Registry
	b    Backoff
}

func (r retrying) Register(ctx context.Context, req Request) (Registration, error) {
	for n := 1; ; n++ {
		reg, err := r.next.Register(ctx, req)
		if err == nil || !Retryable(err) || n >= r.b.Attempts {
			return reg, err
		}
		if serr := r.b.sleep(ctx, r.b.Wait(n)); serr != nil {
			return Registration{}, fmt.Errorf("protocollo: retry of %s cancelled: %w (last error: %w)", req.ID, serr, err)
		}
	}
}
