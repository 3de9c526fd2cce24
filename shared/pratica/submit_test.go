package pratica

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// submissions returns how many changes of the feed turned a draft into a
// submitted application.
func submissions(t *testing.T, db *store.DB) int {
	t.Helper()
	changes, err := db.Feed().Changes(context.Background(), "submissions", 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ch := range changes {
		if ch.Old == nil || ch.New == nil || !strings.Contains(ch.Key.PK, "#application#") || ch.Key.SK != "application" {
			continue
		}
		before, _ := fromItem(*ch.Old)
		after, _ := fromItem(*ch.New)
		if before.Status == Draft && after.Status == Submitted {
			n++
		}
	}
	return n
}

func TestSubmitIsIdempotent(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	d := mustStart(t, s, citizen, service)
	first, err := s.Submit(ctx, tenant, citizen, d.ID, "chiave-1", formData)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != d.ID || first.Status != Submitted || first.SubmittedAt.IsZero() || string(first.Data) != string(formData) {
		t.Errorf("got %+v, want the draft submitted with its data", first)
	}
	if len(first.History) != 1 || first.History[0].From != Draft || first.History[0].Role != Citizen {
		t.Errorf("got history %+v, want one entry from the draft by the citizen", first.History)
	}
	again, err := s.Submit(ctx, tenant, citizen, d.ID, "chiave-1", json.RawMessage(`{"altro":1}`))
	if err != nil || again.Version != first.Version || string(again.Data) != string(formData) {
		t.Errorf("repeat: got version %d data %s (%v), want the first result", again.Version, again.Data, err)
	}
	if n := submissions(t, db); n != 1 {
		t.Errorf("got %d submissions in the feed, want 1", n)
	}
	_, err = s.Submit(ctx, tenant, citizen, d.ID, "chiave-2", formData)
	wantCode(t, err, fault.Conflict)
}

func TestSubmitRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	d := mustStart(t, s, citizen, service)
	tests := []struct {
		name    string
		actor   Actor
		id, key string
		data    string
		wantErr fault.Code
	}{
		{"NoKeyInvalid", citizen, d.ID, "", `{}`, fault.Invalid},
		{"KeyWithSpaceInvalid", citizen, d.ID, "a b", `{}`, fault.Invalid},
		{"LongKeyInvalid", citizen, d.ID, strings.Repeat("k", MaxIdempotencyKey+1), `{}`, fault.Invalid},
		{"DataNotObjectInvalid", citizen, d.ID, "k", `"x"`, fault.Invalid},
		{"OtherCitizenNotFound", other, d.ID, "k", `{}`, fault.NotFound},
		{"OperatorConflict", op, d.ID, "k", `{}`, fault.Conflict},
		{"UnknownNotFound", citizen, store.NewID(), "k", `{}`, fault.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Submit(ctx, tenant, tc.actor, tc.id, tc.key, json.RawMessage(tc.data))
			wantCode(t, err, tc.wantErr)
		})
	}
	if a, _ := s.Get(ctx, tenant, citizen, d.ID); a.Status != Draft {
		t.Errorf("got status %d, want the draft untouched", a.Status)
	}
}

// Test50ConcurrentSubmissions: a citizen's browser (or a retrying proxy)
// sends the same submission 50 times at once. Exactly one application is
// submitted, once, and every request gets it.
func Test50ConcurrentSubmissions(t *testing.T) {
	for _, sameKey := range []bool{true, false} {
		name := map[bool]string{true: "SameKeyAllGetIt", false: "OtherKeysConflict"}[sameKey]
		t.Run(name, func(t *testing.T) {
			s, db := newStore(t)
			d := mustStart(t, s, citizen, service)
			const n = 50
			type result struct {
				app Application
				err error
			}
			results := make(chan result, n)
			var wg sync.WaitGroup
			for i := range n {
				key := "stessa-chiave"
				if !sameKey {
					key = "chiave-" + strings.Repeat("x", i+1)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					a, err := s.Submit(context.Background(), tenant, citizen, d.ID, key, formData)
					results <- result{a, err}
				}()
			}
			wg.Wait()
			close(results)
			var ok, conflicts int
			var version int64
			for r := range results {
				switch {
				case r.err == nil:
					ok++
					if version != 0 && r.app.Version != version {
						t.Errorf("got versions %d and %d, want one result", version, r.app.Version)
					}
					version = r.app.Version
				case fault.Is(r.err, fault.Conflict):
					conflicts++
				default:
					t.Fatalf("got %v", r.err)
				}
			}
			wantOK := map[bool]int{true: n, false: 1}[sameKey]
			if ok != wantOK || ok+conflicts != n {
				t.Errorf("got %d results and %d conflicts, want %d results", ok, conflicts, wantOK)
			}
			if got := submissions(t, db); got != 1 {
				t.Errorf("got %d submissions in the feed, want 1", got)
			}
			for _, g := range []Group{Drafts, Sent} {
				p, err := s.Mine(context.Background(), tenant, citizen, g, "", 0)
				if want := map[Group]int{Drafts: 0, Sent: 1}[g]; err != nil || len(p.Applications) != want {
					t.Errorf("%s: got %d applications (%v), want %d", g, len(p.Applications), err, want)
				}
			}
		})
	}
}
