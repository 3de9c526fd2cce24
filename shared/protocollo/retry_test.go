package protocollo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/protocollo/protocollotest"
)

// recorder is a Backoff whose sleeps only record their length.
func recorder(attempts int, slept *[]time.Duration) protocollo.Backoff {
	return protocollo.Backoff{
		Attempts: attempts,
		Base:     100 * time.Millisecond,
		Max:      time.Second,
		Jitter:   func() float64 { return 0.5 },
		Sleep: func(_ context.Context, d time.Duration) error {
			*slept = append(*slept, d)
			return nil
		},
	}
}

func TestWait(t *testing.T) {
	b := protocollo.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		name   string
		n      int
		jitter float64
		want   time.Duration
	}{
		{"FirstNoJitter", 1, 0, 50 * time.Millisecond},
		{"FirstHalfJitter", 1, 0.5, 75 * time.Millisecond},
		{"SecondDoubles", 2, 0, 100 * time.Millisecond},
		{"FourthDoubles", 4, 0, 400 * time.Millisecond},
		{"FifthCappedAtMax", 5, 0, 500 * time.Millisecond},
		{"FarCappedAtMax", 60, 0.5, 750 * time.Millisecond},
		{"FullJitterBelowMax", 60, 0.999, 999500 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.Jitter = func() float64 { return tt.jitter }
			if got := b.Wait(tt.n); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWaitRandomJitterInRange(t *testing.T) {
	b := protocollo.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for range 100 {
		if got := b.Wait(3); got < 200*time.Millisecond || got >= 400*time.Millisecond {
			t.Fatalf("got %v, want within [200ms, 400ms)", got)
		}
	}
}

func TestWithRetry(t *testing.T) {
	tests := []struct {
		name        string
		failures    int
		loseReplies bool
		attempts    int
		wantCalls   int
		wantSlept   []time.Duration
		wantErr     bool
	}{
		{"OKFirstCall", 0, false, 5, 1, nil, false},
		{"OKAfterThreeFailures", 3, false, 5, 4, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond}, false},
		{"OKAfterLostReplies", 2, true, 5, 3, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond}, false},
		{"ErrAttemptsExhausted", 9, false, 3, 3, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond}, true},
		{"ErrNoRetryWithOneAttempt", 1, false, 1, 1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remote := &protocollotest.Remote{Failures: tt.failures, LoseReplies: tt.loseReplies}
			var slept []time.Duration
			r := protocollo.WithRetry(remote, recorder(tt.attempts, &slept))
			reg, err := r.Register(context.Background(), protocollotest.Request("bugliano", 2026, "a"))
			if tt.wantErr {
				if !protocollo.Retryable(err) {
					t.Errorf("got %v, want the last retryable error", err)
				}
			} else if err != nil || reg.Number != "2026/0000001" {
				t.Errorf("got %q, %v; want 2026/0000001", reg.Number, err)
			}
			if got := remote.Calls(); got != tt.wantCalls {
				t.Errorf("got %d calls, want %d", got, tt.wantCalls)
			}
			if len(slept) != len(tt.wantSlept) {
				t.Fatalf("got sleeps %v, want %v", slept, tt.wantSlept)
			}
			for i := range slept {
				if slept[i] != tt.wantSlept[i] {
					t.Errorf("sleep %d: got %v, want %v", i, slept[i], tt.wantSlept[i])
				}
			}
		})
	}
}

// TestWithRetrySameNumber checks that retries after lost replies return the
// number the remote gave on the first call, and the next request the next.
func TestWithRetrySameNumber(t *testing.T) {
	remote := &protocollotest.Remote{Failures: 3, LoseReplies: true}
	var slept []time.Duration
	r := protocollo.WithRetry(remote, recorder(5, &slept))
	first, err := r.Register(context.Background(), protocollotest.Request("bugliano", 2026, "a"))
	if err != nil {
		t.Fatal(err)
	}
	next, err := r.Register(context.Background(), protocollotest.Request("bugliano", 2026, "b"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Number != "2026/0000001" || next.Number != "2026/0000002" {
		t.Errorf("got %q then %q, want 2026/0000001 then 2026/0000002", first.Number, next.Number)
	}
}

func TestWithRetryPermanentErrorNotRetried(t *testing.T) {
	remote := &protocollotest.Remote{}
	var slept []time.Duration
	r := protocollo.WithRetry(remote, recorder(5, &slept))
	if _, err := r.Register(context.Background(), protocollotest.Request("bugliano", 2026, "a")); err != nil {
		t.Fatal(err)
	}
	other := protocollotest.Request("bugliano", 2026, "a")
	other.Kind = protocollo.Response
	_, err := r.Register(context.Background(), other)
	if !fault.Is(err, fault.Conflict) || remote.Calls() != 2 || len(slept) != 0 {
		t.Errorf("got %v after %d calls and sleeps %v, want one Conflict and no retry", err, remote.Calls(), slept)
	}
}

// TestWithRetryStopsWhenCancelled uses the real timer with an ended
// context: the retry gives up at once instead of sleeping two hours.
func TestWithRetryStopsWhenCancelled(t *testing.T) {
	remote := &protocollotest.Remote{Failures: 9}
	r := protocollo.WithRetry(remote, protocollo.Backoff{Attempts: 5, Base: 2 * time.Hour, Max: 2 * time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, err := r.Register(ctx, protocollotest.Request("bugliano", 2026, "a"))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, protocollotest.ErrRemoteDown) {
		t.Errorf("got %v, want the cancellation and the last error", err)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("gave up after %v, want at once", d)
	}
	if remote.Calls() != 1 {
		t.Errorf("got %d calls, want 1", remote.Calls())
	}
}
