package operatore

import (
	"errors"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

func TestLimiter(t *testing.T) {
	clk := &clock{now: time.Now()}
	l := newLimiter(func() time.Time { return clk.now })
	allow := func(address, username string) error { return l.allow(address, "esempio", username) }

	t.Run("PerAccount", func(t *testing.T) {
		for i := range perAccount.burst {
			if err := allow("192.0.2.1", "anna"); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		err := allow("192.0.2.2", "anna")
		var retry *RetryError
		if !errors.As(err, &retry) || !fault.Is(err, fault.TooManyRequests) {
			t.Fatalf("got %v, want a TooManyRequests RetryError", err)
		}
		if retry.RetryAfter <= 0 || retry.RetryAfter > 12*time.Second {
			t.Errorf("got retry after %v, want at most the 12 s a new attempt takes to come back", retry.RetryAfter)
		}
		if err := allow("192.0.2.2", "bruno"); err != nil {
			t.Errorf("another account: got %v, want allowed", err)
		}
		clk.advance(retry.RetryAfter)
		if err := allow("192.0.2.2", "anna"); err != nil {
			t.Errorf("after the wait: got %v, want allowed", err)
		}
	})
	t.Run("PerAddress", func(t *testing.T) {
		for i := range perAddress.burst {
			if err := allow("198.51.100.7", string(rune('a'+i))+"-user"); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		if err := allow("198.51.100.7", "zeta"); !fault.Is(err, fault.TooManyRequests) {
			t.Errorf("got %v, want TooManyRequests", err)
		}
		if err := allow("198.51.100.8", "zeta"); err != nil {
			t.Errorf("another address: got %v, want allowed", err)
		}
	})
	t.Run("RefusalByAddressSparesTheAccount", func(t *testing.T) {
		// 198.51.100.7 is out of attempts: refusing it must not use up
		// "omega"'s attempts.
		for range 20 {
			_ = allow("198.51.100.7", "omega")
		}
		if err := allow("203.0.113.1", "omega"); err != nil {
			t.Errorf("got %v, want allowed", err)
		}
	})
}

func TestLimiterForgetsRefilledEntries(t *testing.T) {
	clk := &clock{now: time.Now()}
	l := newLimiter(func() time.Time { return clk.now })
	for i := range maxTracked {
		_ = l.allow(string(rune(i)), "esempio", "")
	}
	clk.advance(time.Minute)
	_ = l.allow("new", "esempio", "")
	if got := len(l.address); got != 1 {
		t.Errorf("got %d addresses tracked, want only the new one after the others refilled", got)
	}
}
