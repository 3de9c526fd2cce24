package pratica

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

type combo struct {
	from Status
	ev   Event
	role Role
}

// TestWorkflowTable walks every row of Workflow: each (status, event, role)
// it names leads to its To, and every other combination is refused.
func TestWorkflowTable(t *testing.T) {
	allowed := map[combo]Status{}
	for i, row := range Workflow {
		for _, from := range row.From {
			for _, role := range Roles {
				if !row.Who.Has(role) {
					continue
				}
				c := combo{from, row.Event, role}
				if to, dup := allowed[c]; dup {
					t.Errorf("row %d: %v is also allowed by an earlier row (to %d)", i, c, to)
				}
				allowed[c] = row.To
			}
		}
	}
	for _, from := range Statuses {
		for _, ev := range Events {
			for _, role := range Roles {
				got := Next(from, ev, role)
				want, ok := allowed[combo{from, ev, role}]
				switch {
				case ok && (got == nil || got.To != want):
					t.Errorf("%d %s by %s: got %v, want to %d", from, ev, role, got, want)
				case !ok && got != nil:
					t.Errorf("%d %s by %s: got to %d, want refused", from, ev, role, got.To)
				}
			}
		}
	}
}

// TestWorkflowRules checks properties of the table that hold whatever its
// rows: the codes, who may do what, and that every application can end.
func TestWorkflowRules(t *testing.T) {
	for i, row := range Workflow {
		if !row.To.Valid() {
			t.Errorf("row %d leads to %d, not a status", i, row.To)
		}
		for _, from := range row.From {
			if !from.Valid() || from.Final() {
				t.Errorf("row %d starts from %d: want a valid, non-final status", i, from)
			}
		}
		if row.Records.Protocol && !row.Who.Has(System) {
			t.Errorf("row %d records a protocol number but the system may not perform it", i)
		}
	}
	// The payment statuses are reserved.
	for code := Status(1500); code <= 1530; code++ {
		if code.Valid() {
			t.Errorf("status %d is valid, want reserved", code)
		}
	}
	// Every status is reachable from a draft, and every one can end.
	reach := func(from Status) map[Status]bool {
		seen := map[Status]bool{from: true}
		for todo := []Status{from}; len(todo) > 0; {
			st := todo[0]
			todo = todo[1:]
			for _, row := range Workflow {
				if slices.Contains(row.From, st) && !seen[row.To] {
					seen[row.To] = true
					todo = append(todo, row.To)
				}
			}
		}
		return seen
	}
	fromDraft := reach(Draft)
	for _, st := range Statuses {
		if !fromDraft[st] {
			t.Errorf("status %d cannot be reached from a draft", st)
		}
		if r := reach(st); !st.Final() && !r[Accepted] && !r[Rejected] && !r[Withdrawn] {
			t.Errorf("status %d can never end", st)
		}
	}

	tests := []struct {
		name string
		combo
		want Status // 0: refused
	}{
		{"CitizenWithdrawsSubmitted", combo{Submitted, Withdraw, Citizen}, Withdrawn},
		{"CitizenWithdrawsDuringIntegration", combo{IntegrationDraft, Withdraw, Citizen}, Withdrawn},
		{"CitizenWithdrawsInCharge", combo{IntegrationInCharge, Withdraw, Citizen}, Withdrawn},
		{"DraftNotWithdrawn", combo{Draft, Withdraw, Citizen}, 0},
		{"AcceptedNotWithdrawn", combo{Accepted, Withdraw, Citizen}, 0},
		{"OperatorMayNotWithdraw", combo{InCharge, Withdraw, Operator}, 0},
		{"CitizenMayNotAccept", combo{InCharge, Accept, Citizen}, 0},
		{"OperatorAccepts", combo{InCharge, Accept, Operator}, Accepted},
		{"PartnerRejects", combo{IntegrationInCharge, Reject, Partner}, Rejected},
		{"SystemRegisters", combo{Submitted, Register, System}, Registered},
		{"OperatorMayNotRegister", combo{Submitted, Register, Operator}, 0},
		{"TakenInChargeWithoutProtocol", combo{Submitted, TakeInCharge, Operator}, InCharge},
		{"IntegrationTakenInCharge", combo{IntegrationRegistered, TakeInCharge, Operator}, IntegrationInCharge},
		{"BackToInCharge", combo{IntegrationInCharge, Resume, Operator}, InCharge},
		{"ReassignStaysInCharge", combo{InCharge, Reassign, Operator}, InCharge},
		{"PartnerMayNotReassign", combo{InCharge, Reassign, Partner}, 0},
		{"NoDecisionBeforeInCharge", combo{Registered, Accept, Operator}, 0},
		{"CitizenStartsIntegration", combo{IntegrationRequested, StartIntegration, Citizen}, IntegrationDraft},
		{"CitizenSubmitsIntegration", combo{IntegrationDraft, SubmitIntegration, Citizen}, IntegrationSubmitted},
		{"SubmitOnlyFromDraft", combo{Submitted, Submit, Citizen}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Next(tc.from, tc.ev, tc.role)
			switch {
			case tc.want == 0 && got != nil:
				t.Errorf("got to %d, want refused", got.To)
			case tc.want != 0 && (got == nil || got.To != tc.want):
				t.Errorf("got %v, want to %d", got, tc.want)
			}
		})
	}
	for _, ev := range []Event{Reject, RequestIntegration} {
		if tr := Next(InCharge, ev, Operator); tr == nil || tr.Records.Note != Required {
			t.Errorf("%s: got %v, want a required note", ev, tr)
		}
	}
}

// inputFor returns an input that satisfies what row records.
func inputFor(row Transition) Input {
	var in Input
	if row.Records.Note == Required {
		in.Note = "Motivo"
	}
	if row.Records.Assignee == Required {
		in.Assignee, in.Office = "lbianchi", "Ufficio scuola"
	}
	if row.Records.Protocol {
		in.Protocol = &Protocol{Number: "2026/0000123", At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	}
	return in
}

// TestApplyEveryRow performs every row through the store, from each of
// its statuses and by each of its roles, and checks the one write.
func TestApplyEveryRow(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	actors := map[Role]Actor{Citizen: citizen, Operator: op, System: SystemActor, Partner: partner}
	for i, row := range Workflow {
		if row.Event == Submit {
			continue // TestSubmit*
		}
		for _, from := range row.From {
			for _, role := range Roles {
				if !row.Who.Has(role) {
					continue
				}
				t.Run(fmt.Sprintf("%d/%d/%s", i, from, role), func(t *testing.T) {
					before := putAt(t, s, from)
					got, err := s.Apply(ctx, tenant, actors[role], before.ID, row.Event, inputFor(row))
					if err != nil {
						t.Fatal(err)
					}
					if got.Status != row.To || got.Version != before.Version+1 {
						t.Errorf("got status %d version %d, want %d and %d", got.Status, got.Version, row.To, before.Version+1)
					}
					if len(got.History) != 1 {
						t.Fatalf("got %d history entries, want 1", len(got.History))
					}
					e := got.History[0]
					if e.From != from || e.To != row.To || e.Event != row.Event || e.Role != role || e.At.IsZero() {
						t.Errorf("got entry %+v", e)
					}
					stored, err := s.Get(ctx, tenant, SystemActor, before.ID)
					if err != nil || stored.Status != row.To || stored.Version != got.Version || len(stored.History) != 1 {
						t.Errorf("stored %+v (%v), want what Apply returned", stored, err)
					}
					if row.Records.Protocol && (stored.Protocol == nil || stored.History[0].Protocol == nil) {
						t.Errorf("got protocol %v, want the registration recorded", stored.Protocol)
					}
					if row.Records.Assignee != Never && role == Operator && stored.Assignee == "" {
						t.Error("got no assignee, want one")
					}
				})
			}
		}
	}
}

func TestApplyRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		status  Status
		actor   Actor
		ev      Event
		in      Input
		wantErr string
	}{
		{"WrongStatusConflict", Registered, op, Accept, Input{}, "conflict"},
		{"WrongRoleConflict", InCharge, citizen, Accept, Input{}, "conflict"},
		{"FinalStatusConflict", Rejected, citizen, Withdraw, Input{}, "conflict"},
		{"StaleVersionConflict", InCharge, op, Accept, Input{Version: 99}, "conflict"},
		{"RejectWithoutMotivationInvalid", InCharge, op, Reject, Input{Note: "  "}, "invalid"},
		{"NoteNotRecordedInvalid", IntegrationRequested, citizen, StartIntegration, Input{Note: "x"}, "invalid"},
		{"ControlCharacterInNoteInvalid", InCharge, op, Accept, Input{Note: "ok\x00"}, "invalid"},
		{"RegisterWithoutProtocolInvalid", Submitted, SystemActor, Register, Input{}, "invalid"},
		{"ReassignWithoutAssigneeInvalid", InCharge, op, Reassign, Input{}, "invalid"},
		{"AssigneeNotRecordedInvalid", InCharge, op, Accept, Input{Assignee: "x"}, "invalid"},
		{"SubmitThroughApplyInvalid", Draft, citizen, Submit, Input{}, "invalid"},
		{"OtherCitizenNotFound", Submitted, other, Withdraw, Input{}, "not_found"},
		{"OperatorOfOtherServiceForbidden", InCharge, Actor{Role: Operator, Subject: "x", Services: []string{"altro"}}, Accept, Input{}, "forbidden"},
		{"AnonymousForbidden", InCharge, Actor{}, Accept, Input{}, "forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := putAt(t, s, tc.status)
			_, err := s.Apply(ctx, tenant, tc.actor, before.ID, tc.ev, tc.in)
			if got := string(fault.CodeOf(err)); got != tc.wantErr {
				t.Fatalf("got %v, want code %s", err, tc.wantErr)
			}
			after, err := s.Get(ctx, tenant, SystemActor, before.ID)
			if err != nil || after.Version != before.Version || after.Status != tc.status {
				t.Errorf("got version %d status %d (%v), want the application untouched", after.Version, after.Status, err)
			}
		})
	}
	t.Run("AdminActsOnEveryService", func(t *testing.T) {
		a := putAt(t, s, InCharge)
		if _, err := s.Apply(ctx, tenant, admin, a.ID, Accept, Input{}); err != nil {
			t.Fatalf("got %v, want accepted", err)
		}
	})
	t.Run("UnknownIDNotFound", func(t *testing.T) {
		_, err := s.Apply(ctx, tenant, op, store.NewID(), Accept, Input{})
		wantCode(t, err, "not_found")
		_, err = s.Apply(ctx, tenant, op, "../x", Accept, Input{})
		wantCode(t, err, "not_found")
	})
}

// TestConcurrentDecisionsOneWins: two operators decide on the version they
// both read; one decision is written, the other is a Conflict.
func TestConcurrentDecisionsOneWins(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a := putAt(t, s, InCharge)
	errs := make(chan error, 2)
	for _, ev := range []Event{Accept, Reject} {
		go func() {
			_, err := s.Apply(ctx, tenant, op, a.ID, ev, Input{Version: a.Version, Note: "Esito"})
			errs <- err
		}()
	}
	var ok, conflict int
	for range 2 {
		switch err := <-errs; fault.CodeOf(err) {
		case "":
			ok++
		case "conflict":
			conflict++
		default:
			t.Fatalf("got %v", err)
		}
	}
	got, _ := s.Get(ctx, tenant, op, a.ID)
	if ok != 1 || conflict != 1 || len(got.History) != 1 {
		t.Errorf("got %d written, %d conflicts, %d entries; want 1, 1, 1", ok, conflict, len(got.History))
	}
}
