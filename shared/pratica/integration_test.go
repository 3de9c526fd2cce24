package pratica

import (
	"context"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
)

// integrating returns an application whose integration the citizen has
// opened.
func integrating(t *testing.T, s *Store) Application {
	t.Helper()
	a := mustSubmit(t, s, citizen, service)
	mustApply(t, s, op, a.ID, TakeInCharge, Input{})
	mustApply(t, s, op, a.ID, RequestIntegration, Input{Note: "Manca l'ISEE"})
	return mustApply(t, s, citizen, a.ID, StartIntegration, Input{})
}

func TestSubmitIntegrationIsIdempotent(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a := integrating(t, s)
	if !a.AcceptsAttachments() {
		t.Fatal("an integration in preparation must accept attachments")
	}
	sent, err := s.SubmitIntegration(ctx, tenant, citizen, a.ID, "integra-1", "ISEE allegato")
	if err != nil {
		t.Fatal(err)
	}
	last := sent.History[len(sent.History)-1]
	if sent.Status != IntegrationSubmitted || last.Event != SubmitIntegration || last.Note != "ISEE allegato" {
		t.Fatalf("got status %d and last entry %+v, want 4300 with the answers as note", sent.Status, last)
	}
	again, err := s.SubmitIntegration(ctx, tenant, citizen, a.ID, "integra-1", "altro")
	if err != nil || again.Version != sent.Version {
		t.Errorf("repeat: got version %d (%v), want %d and nothing written", again.Version, err, sent.Version)
	}
	_, err = s.SubmitIntegration(ctx, tenant, citizen, a.ID, "integra-2", "altro")
	wantCode(t, err, fault.Conflict)
}

func TestSubmitIntegrationRefuses(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a := integrating(t, s)
	submitted := mustSubmit(t, s, citizen, "altro-servizio")
	tests := []struct {
		name    string
		actor   Actor
		id, key string
		answers string
		want    fault.Code
	}{
		{"ErrNoKey", citizen, a.ID, "", "", fault.Invalid},
		{"ErrAnswersTooLong", citizen, a.ID, "k", strings.Repeat("a", MaxNote+1), fault.Invalid},
		{"ErrNotTheApplicant", other, a.ID, "k", "", fault.NotFound},
		{"ErrOperator", op, a.ID, "k", "", fault.Conflict},
		{"ErrNotInIntegration", citizen, submitted.ID, "k", "", fault.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SubmitIntegration(ctx, tenant, tt.actor, tt.id, tt.key, tt.answers)
			wantCode(t, err, tt.want)
		})
	}
}

func TestHistoryNamesOperatorsToStaffOnly(t *testing.T) {
	s, _ := newStore(t)
	a := integrating(t, s)
	if by := a.History[1].By; by != "mverdi" {
		t.Errorf("staff view: got by %q, want the operator", by)
	}
	if by := a.History[0].By; by != "" {
		t.Errorf("a citizen's step names %q, want no one", by)
	}
	seen := a.ForCitizen()
	for _, e := range seen.History {
		if e.By != "" {
			t.Errorf("citizen's view: got by %q in %+v, want none", e.By, e)
		}
	}
	if a.History[1].By != "mverdi" {
		t.Error("ForCitizen changed the stored history")
	}
}
