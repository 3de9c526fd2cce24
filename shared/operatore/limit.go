package operatore

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/stanzaportal/stanza/shared/fault"
)

// RetryError refuses an attempt until a known time: the HTTP layer tells
// the client when to retry (Retry-After). Its code is TooManyRequests.
type RetryError struct {
	RetryAfter time.Duration
	Err        *fault.Error
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// Sign-in attempt rates. Per address they leave room for a few people
// behind one office NAT; per account they are below what guessing needs,
// while the lockout (maxFailures) bounds guessing across restarts and
// instances.
var (
	perAddress = limit{rate.Every(time.Minute / 10), 10}
	perAccount = limit{rate.Every(time.Minute / 5), 5}
)

type limit struct {
	every rate.Limit
	burst int
}

// maxTracked bounds each table of the limiter; past it, the entries that
// have refilled (the same as a new one) are dropped.
const maxTracked = 10_000

// limiter counts sign-in attempts in memory, per client address and per
// account. Memory is per process (per Lambda instance in the cloud): it
// slows down bursts cheaply, and the lockout kept on the account's record
// is what holds across instances.
type limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	address  map[string]*rate.Limiter
	accounts map[string]*rate.Limiter
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, address: map[string]*rate.Limiter{}, accounts: map[string]*rate.Limiter{}}
}

// allow records an attempt from address on account (tenant and username),
// or refuses it when either has used up its rate.
func (l *limiter) allow(address, tenant, username string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	byAddress := l.get(l.address, address, perAddress, now)
	r := byAddress.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return tooManyAttempts(d)
	}
	if username == "" {
		return nil
	}
	byAccount := l.get(l.accounts, tenant+"/"+username, perAccount, now)
	r = byAccount.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return tooManyAttempts(d)
	}
	return nil
}

func (l *limiter) get(m map[string]*rate.Limiter, key string, lim limit, now time.Time) *rate.Limiter {
	if rl, ok := m[key]; ok {
		return rl
	}
	if len(m) >= maxTracked {
		for k, rl := range m {
			if rl.TokensAt(now) >= float64(lim.burst) {
				delete(m, k)
			}
		}
	}
	rl := rate.NewLimiter(lim.every, lim.burst)
	m[key] = rl
	return rl
}

func tooManyAttempts(d time.Duration) error {
	secs := int(math.Ceil(d.Seconds()))
	return &RetryError{
		RetryAfter: time.Duration(secs) * time.Second,
		Err:        fault.New(fault.TooManyRequests, "Troppi tentativi di accesso: riprova tra %d secondi.", secs),
	}
}
