package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/routes"
)

// TestAssignees: who may reassign an application gets the list of those
// the reassignment accepts, with the names of their offices; others get
// nothing of it.
func TestAssignees(t *testing.T) {
	b := withOffices(t)
	app := b.submitted(t, "iscrizione-asilo-nido")
	target := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID + "/transitions"
	if w := b.as(t, adminBruno, "POST", target, `{"event":"take-in-charge"}`, nil); w.Code != http.StatusOK {
		t.Fatalf("take in charge: got %d %s", w.Code, w.Body)
	}
	if w := b.as(t, adminBruno, "POST", target, reassignment("lucia", "scuola"), nil); w.Code != http.StatusOK {
		t.Fatalf("assign to lucia: got %d %s", w.Code, w.Body)
	}
	list := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID + "/assignees"
	// Everyone enabled for the nursery: not spento (disabled) nor zeno
	// (not enabled for the service).
	everyone := []string{"altrocapo", "capo", "lucia", "mista", "piero"}
	tests := []struct {
		name string
		who  auth.Principal
		want int
		says string
	}{
		{"Admin", adminBruno, http.StatusOK, ""},
		{"ManagerOfTheOfficeInCharge", nurseryOperator("capo"), http.StatusOK, ""},
		{"ManagerOfAnotherOffice", nurseryOperator("altrocapo"), http.StatusForbidden, "responsabile"},
		{"PlainOperator", nurseryOperator("piero"), http.StatusForbidden, "responsabile"},
		{"ManagerWhoCannotSeeIt", auth.Principal{Role: routes.Operator, Subject: "capo", Tenant: "esempio", Services: []string{"certificato-residenza"}}, http.StatusNotFound, "non esiste"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := b.as(t, tt.who, "GET", list, "", nil)
			if tt.want != http.StatusOK {
				if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.says) {
					t.Errorf("got %d %s, want %d saying %q", w.Code, w.Body, tt.want, tt.says)
				}
				return
			}
			var got httpapi.AssigneeList
			decode(t, w, http.StatusOK, &got)
			var names []string
			for _, a := range got.Items {
				names = append(names, a.Username)
			}
			if !slices.Equal(names, everyone) {
				t.Errorf("got %q, want %q", names, everyone)
			}
			for _, a := range got.Items {
				if a.Username != "mista" {
					continue
				}
				want := []httpapi.OfficeName{{ID: "anagrafe", Name: "Ufficio Anagrafe"}, {ID: "scuola", Name: "Ufficio Scuola"}}
				if a.Name != "Operatore mista" || !slices.Equal(a.Offices, want) {
					t.Errorf("got %+v, want Operatore mista in %+v", a, want)
				}
			}
			// Names and usernames only: nothing else of the accounts.
			if body := w.Body.String(); strings.Contains(body, "@") || strings.Contains(body, "email") {
				t.Errorf("got %s, want no email addresses", body)
			}
		})
	}
}

// TestAssigneesAreAccepted: every name on the list can be chosen, so the
// list and the reassignment's check agree.
func TestAssigneesAreAccepted(t *testing.T) {
	b := withOffices(t)
	app := b.submitted(t, "iscrizione-asilo-nido")
	target := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID + "/transitions"
	if w := b.as(t, adminBruno, "POST", target, `{"event":"take-in-charge"}`, nil); w.Code != http.StatusOK {
		t.Fatalf("take in charge: got %d %s", w.Code, w.Body)
	}
	var got httpapi.AssigneeList
	decode(t, b.as(t, adminBruno, "GET", "/api/v1/tenants/esempio/backoffice/applications/"+app.ID+"/assignees", "", nil), http.StatusOK, &got)
	if len(got.Items) == 0 {
		t.Fatal("got nobody, want the nursery's operators")
	}
	for _, a := range got.Items {
		office := ""
		if len(a.Offices) > 0 {
			office = a.Offices[len(a.Offices)-1].ID
		}
		if w := b.as(t, adminBruno, "POST", target, reassignment(a.Username, office), nil); w.Code != http.StatusOK {
			t.Errorf("reassign to %s for %q: got %d %s", a.Username, office, w.Code, w.Body)
		}
	}
}
