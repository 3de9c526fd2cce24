// Package localprotocollo keeps a Comune's protocol register in the store:
// for a Comune without an external protocol system, and on the local host.
//
// # Numbers
//
// Each Comune and year has a counter (tenant scope, PK "protocol#<year>",
// SK "counter"), incremented atomically, so two registrations never draw the
// same number. Each request ID has a record (tenant scope, PK
// "protocol-request#<id>", SK "registration") holding the number it got,
// written only if absent.
//
// Register reads the record first, so a retry returns the number already
// given. Otherwise it draws a number and writes the record. When two calls
// with one ID race, both draw, one record wins, and the loser returns the
// winner's number: its own number is never used. The same gap follows a
// crash between the increment and the record. A gap in the numbering is the
// accepted price; the alternative, a number given twice, cannot happen,
// since every number comes from one increment and lands in at most one
// record.
//
// The record is keyed by ID alone, not by year, so that a retry after
// midnight on 31 December finds the number given the year before instead of
// drawing one in the new year.
package localprotocollo

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/store"
)

// Registry is the register of every Comune in one store.
type Registry struct {
	db  *store.DB
	now func() time.Time
}

var _ protocollo.Registry = (*Registry)(nil)

// New returns the register kept in db; now gives the registration times
// (time.Now outside tests).
func New(db *store.DB, now func() time.Time) *Registry { return &Registry{db: db, now: now} }

// record is what the register keeps per request ID.
type record struct {
	Number string    `json:"number"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Digest string    `json:"digest"`
}

func counterKey(year int) store.Key {
	return store.Key{PK: "protocol#" + strconv.Itoa(year), SK: "counter"}
}

func recordKey(id string) store.Key {
	return store.Key{PK: "protocol-request#" + id, SK: "registration"}
}

// Register implements protocollo.Registry. Store errors are reported as
// retryable: the request was valid, so a later attempt may succeed.
func (r *Registry) Register(ctx context.Context, req protocollo.Request) (protocollo.Registration, error) {
	if err := req.Validate(); err != nil {
		return protocollo.Registration{}, err
	}
	sc := r.db.Tenant(req.Tenant)
	if reg, err := r.existing(ctx, sc, req); !fault.Is(err, fault.NotFound) {
		return reg, err
	}
	now := r.now()
	year := req.YearAt(now)
	seq, err := sc.Add(ctx, counterKey(year), 1)
	if err != nil {
		return protocollo.Registration{}, protocollo.Unavailable(err)
	}
	number, err := protocollo.FormatNumber(year, seq)
	if err != nil {
		return protocollo.Registration{}, err
	}
	rec := record{Number: number, At: now.UTC(), Kind: string(req.Kind), Digest: req.DocumentDigest}
	data, err := json.Marshal(rec)
	if err != nil {
		return protocollo.Registration{}, err
	}
	_, err = sc.Put(ctx, store.Item{Key: recordKey(req.ID), Data: data}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		// Another call with this ID wrote its record first: seq is skipped.
		return r.existing(ctx, sc, req)
	}
	if err != nil {
		return protocollo.Registration{}, protocollo.Unavailable(err)
	}
	return protocollo.Registration{Number: rec.Number, At: rec.At}, nil
}

// existing returns the registration recorded for req.ID, or a NotFound
// error when there is none.
func (r *Registry) existing(ctx context.Context, sc *store.Scope, req protocollo.Request) (protocollo.Registration, error) {
	it, err := sc.Get(ctx, recordKey(req.ID))
	if fault.Is(err, fault.NotFound) {
		return protocollo.Registration{}, err
	}
	if err != nil {
		return protocollo.Registration{}, protocollo.Unavailable(err)
	}
	var rec record
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return protocollo.Registration{}, fault.Wrap(err, fault.Internal, "protocollo: unreadable record of %s", req.ID)
	}
	if rec.Digest != req.DocumentDigest || rec.Kind != string(req.Kind) {
		return protocollo.Registration{}, fault.New(fault.Conflict, "protocollo: %s was registered for another document", req.ID)
	}
	return protocollo.Registration{Number: rec.Number, At: rec.At}, nil
}
