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

func TestStartResumesTheDraft(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	first, resumed, err := s.Start(ctx, tenant, citizen, service, false)
	if err != nil || resumed {
		t.Fatalf("first Start: got resumed %v, %v; want a new draft", resumed, err)
	}
	if !store.IsID(first.ID) || first.Status != Draft || first.Applicant != rossi || first.Version != 1 {
		t.Errorf("got %+v, want a new draft of the citizen's with a random id", first)
	}
	again, resumed, err := s.Start(ctx, tenant, citizen, service, false)
	if err != nil || !resumed || again.ID != first.ID {
		t.Errorf("second Start: got %s resumed %v (%v), want %s resumed", again.ID, resumed, err, first.ID)
	}
	// Another service and another citizen have their own drafts.
	for _, tc := range []struct {
		actor Actor
		svc   string
	}{{citizen, "occupazione-suolo"}, {other, service}} {
		a := mustStart(t, s, tc.actor, tc.svc)
		if a.ID == first.ID {
			t.Errorf("%s/%s: got the same draft, want its own", tc.actor.Subject, tc.svc)
		}
	}
}

func TestStartMultipleDrafts(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	seen := map[string]bool{}
	for range 3 {
		a, resumed, err := s.Start(ctx, tenant, citizen, "scia", true)
		if err != nil || resumed || seen[a.ID] {
			t.Fatalf("got %s resumed %v (%v), want a new draft each time", a.ID, resumed, err)
		}
		seen[a.ID] = true
	}
}

func TestStartRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	_, _, err := s.Start(ctx, tenant, op, service, false)
	wantCode(t, err, fault.Forbidden)
	_, _, err = s.Start(ctx, tenant, citizen, "Bad#Slug", false)
	wantCode(t, err, fault.Invalid)
}

func TestStartRepairsTheSlot(t *testing.T) {
	ctx := context.Background()
	t.Run("SlotWithoutDraft", func(t *testing.T) {
		s, db := newStore(t)
		// A crash between the slot and the draft leaves the slot alone.
		id := store.NewID()
		data, _ := json.Marshal(slot{ID: id})
		if _, err := db.Tenant(tenant).Put(ctx, store.Item{Key: slotKey(rossi, service), Data: data}, store.IfAbsent); err != nil {
			t.Fatal(err)
		}
		a, _, err := s.Start(ctx, tenant, citizen, service, false)
		if err != nil || a.ID != id || a.Status != Draft {
			t.Errorf("got %s %d (%v), want the draft %s created", a.ID, a.Status, err, id)
		}
	})
	t.Run("SlotOfASubmittedApplication", func(t *testing.T) {
		s, _ := newStore(t)
		sent := mustSubmit(t, s, citizen, service)
		a, resumed, err := s.Start(ctx, tenant, citizen, service, false)
		if err != nil || resumed || a.ID == sent.ID || a.Status != Draft {
			t.Errorf("got %s resumed %v (%v), want a new draft", a.ID, resumed, err)
		}
		if again := mustStart(t, s, citizen, service); again.ID != a.ID {
			t.Errorf("got %s, want the new draft %s resumed", again.ID, a.ID)
		}
	})
}

func TestConcurrentStartsMakeOneDraft(t *testing.T) {
	s, _ := newStore(t)
	const n = 20
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, _, err := s.Start(context.Background(), tenant, citizen, service, false)
			if err != nil {
				t.Error(err)
			}
			ids <- a.ID
		}()
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("got drafts %s and %s, want one", first, id)
		}
	}
	p, err := s.Mine(context.Background(), tenant, citizen, Drafts, "", 0)
	if err != nil || len(p.Applications) != 1 {
		t.Errorf("got %d drafts (%v), want 1", len(p.Applications), err)
	}
}

func TestSaveDraft(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	d := mustStart(t, s, citizen, service)
	saved, err := s.SaveDraft(ctx, tenant, citizen, d.ID, Autosave{Version: d.Version, Step: 2, Data: formData})
	if err != nil || saved.Version != d.Version+1 || saved.Step != 2 || string(saved.Data) != string(formData) {
		t.Fatalf("got %+v (%v), want step 2 and the data", saved, err)
	}
	// Restart: back to the first step, the data stays.
	restarted, err := s.SaveDraft(ctx, tenant, citizen, d.ID, Autosave{Version: saved.Version, Step: 0})
	if err != nil || restarted.Step != 0 || string(restarted.Data) != string(formData) {
		t.Fatalf("got %+v (%v), want step 0 with the data and attachments kept", restarted, err)
	}
	tests := []struct {
		name    string
		actor   Actor
		save    Autosave
		wantErr fault.Code
	}{
		{"OlderPageConflict", citizen, Autosave{Version: saved.Version, Data: formData}, fault.Conflict},
		{"NoVersionInvalid", citizen, Autosave{Data: formData}, fault.Invalid},
		{"NotAnObjectInvalid", citizen, Autosave{Version: restarted.Version, Data: json.RawMessage(`[1]`)}, fault.Invalid},
		{"NullInvalid", citizen, Autosave{Version: restarted.Version, Data: json.RawMessage(`null`)}, fault.Invalid},
		{"BadStepInvalid", citizen, Autosave{Version: restarted.Version, Step: MaxSteps}, fault.Invalid},
		{"OtherCitizenNotFound", other, Autosave{Version: restarted.Version}, fault.NotFound},
		{"OperatorForbidden", op, Autosave{Version: restarted.Version}, fault.Forbidden},
		{"TooLarge", citizen, Autosave{Version: restarted.Version, Data: json.RawMessage(`{"x":"` + strings.Repeat("a", store.MaxItemBytes) + `"}`)}, fault.TooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SaveDraft(ctx, tenant, tc.actor, d.ID, tc.save)
			wantCode(t, err, tc.wantErr)
		})
	}
	t.Run("SubmittedConflict", func(t *testing.T) {
		sent := mustSubmit(t, s, citizen, "altro-servizio")
		_, err := s.SaveDraft(ctx, tenant, citizen, sent.ID, Autosave{Version: sent.Version, Data: formData})
		wantCode(t, err, fault.Conflict)
	})
}

func TestSetNotes(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a := mustSubmit(t, s, citizen, service)
	notes := "Chiamare l'ufficio il lunedì.\n" + strings.Repeat("è", MaxNotes-31)
	got, err := s.SetNotes(ctx, tenant, citizen, a.ID, notes)
	if err != nil || got.Notes != notes || got.Status != Submitted {
		t.Fatalf("got %q (%v), want the notes saved", got.Notes, err)
	}
	if got.ForStaff().Notes != "" {
		t.Error("ForStaff kept the citizen's notes")
	}
	tests := []struct {
		name    string
		actor   Actor
		notes   string
		wantErr fault.Code
	}{
		{"TooLongInvalid", citizen, strings.Repeat("a", MaxNotes+1), fault.Invalid},
		{"ControlCharacterInvalid", citizen, "a\x1bb", fault.Invalid},
		{"BadUTF8Invalid", citizen, "a\xffb", fault.Invalid},
		{"OtherCitizenNotFound", other, "x", fault.NotFound},
		{"OperatorForbidden", op, "x", fault.Forbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SetNotes(ctx, tenant, tc.actor, a.ID, tc.notes)
			wantCode(t, err, tc.wantErr)
		})
	}
}
