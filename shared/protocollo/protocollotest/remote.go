package protocollotest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/protocollo"
)

// Remote is a fake external protocol system, in memory, behind the same
// port: what the worker's retries are tested against. Its first Failures
// calls fail with a retryable error; with LoseReplies, those calls register
// first and fail after, as when the reply of a remote system is lost on the
// way back.
type Remote struct {
	Failures    int
	LoseReplies bool

	mu       sync.Mutex
	calls    int
	counters map[string]int64              // by tenant and year
	done     map[string]remoteRegistration // by tenant and request ID
}

type remoteRegistration struct {
	reg    protocollo.Registration
	kind   protocollo.Kind
	digest string
}

var _ protocollo.Registry = (*Remote)(nil)

// ErrRemoteDown is the cause of the failures Remote is told to make.
var ErrRemoteDown = errors.New("protocollotest: remote protocol system unavailable")

// Register implements protocollo.Registry.
func (r *Remote) Register(ctx context.Context, req protocollo.Request) (protocollo.Registration, error) {
	if err := req.Validate(); err != nil {
		return protocollo.Registration{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	fail := r.calls <= r.Failures
	if fail && !r.LoseReplies {
		return protocollo.Registration{}, protocollo.Unavailable(ErrRemoteDown)
	}
	reg, err := r.register(req)
	if fail && err == nil {
		return protocollo.Registration{}, protocollo.Unavailable(ErrRemoteDown)
	}
	return reg, err
}

func (r *Remote) register(req protocollo.Request) (protocollo.Registration, error) {
	if r.done == nil {
		r.counters = make(map[string]int64)
		r.done = make(map[string]remoteRegistration)
	}
	id := req.Tenant + "#" + req.ID
	if d, ok := r.done[id]; ok {
		if d.kind != req.Kind || d.digest != req.DocumentDigest {
			return protocollo.Registration{}, fault.New(fault.Conflict, "protocollo: %s was registered for another document", req.ID)
		}
		return d.reg, nil
	}
	now := time.Now()
	year := req.YearAt(now)
	counter := fmt.Sprintf("%s#%d", req.Tenant, year)
	r.counters[counter]++
	number, err := protocollo.FormatNumber(year, r.counters[counter])
	if err != nil {
		return protocollo.Registration{}, err
	}
	reg := protocollo.Registration{Number: number, At: now.UTC()}
	r.done[id] = remoteRegistration{reg: reg, kind: req.Kind, digest: req.DocumentDigest}
	return reg, nil
}

// Calls returns how many times Register was called with a valid request.
func (r *Remote) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}
