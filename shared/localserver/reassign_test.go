package localserver

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
)

// TestManagerReassigns: the seeded operator manages the school office, as
// their session says; they take a nursery application in charge and hand
// it to a colleague of the office, who, managing nothing, cannot hand it
// back.
func TestManagerReassigns(t *testing.T) {
	s, base := openServer(t)
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"

	manager := signInOperator(t, base)
	if got, _ := manager.session(base)["manages"].([]any); !slices.Equal(got, []any{"scuola"}) {
		t.Fatalf("the seeded operator's session: got manages %v, want [scuola]", got)
	}
	admin := staffBrowser(t, s, base, auth.Principal{Role: routes.Admin, Subject: seed.DemoAdminUsername, Tenant: "esempio"})
	resp, body := admin.api("POST", base+"/api/v1/tenants/esempio/admin/operators",
		`{"username":"lucia.neri","name":"Lucia Neri","email":"lucia.neri@comune-esempio.example.org","services":["`+nursery+`"],"offices":["scuola"]}`)
	expect(t, "create a colleague", resp, body, 200)
	colleague := staffBrowser(t, s, base, auth.Principal{Role: routes.Operator, Subject: "lucia.neri", Tenant: "esempio", Services: []string{nursery}})

	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	id := submittedNursery(t, citizen, apps)
	transitions := office + "/" + id + "/transitions"
	resp, body = manager.api("POST", transitions, `{"event":"take-in-charge"}`)
	expect(t, "take in charge", resp, body, 200)

	resp, body = colleague.api("POST", transitions, `{"event":"reassign","assignee":"lucia.neri","office":"scuola"}`)
	expect(t, "a colleague takes it", resp, body, 403)
	if !strings.Contains(body, "responsabile") {
		t.Errorf("the refusal does not say who may reassign: %s", body)
	}

	resp, body = manager.api("POST", transitions, `{"event":"reassign","assignee":"lucia.neri","office":"scuola"}`)
	expect(t, "the manager reassigns", resp, body, 200)
	a := decodeStaffApp(t, body)
	if last := a.History[len(a.History)-1]; a.Assignee != "lucia.neri" || last.Event != "reassign" || last.By != seed.DemoOperatorUsername {
		t.Errorf("got assignee %q and last entry %+v, want lucia.neri, reassigned by %s", a.Assignee, last, seed.DemoOperatorUsername)
	}

	resp, body = colleague.api("POST", transitions, fmt.Sprintf(`{"event":"reassign","assignee":%q}`, seed.DemoOperatorUsername))
	expect(t, "the colleague hands it back", resp, body, 403)
	if _, body := statusOf(t, colleague, office+"/"+id); decodeStaffApp(t, body).Assignee != "lucia.neri" {
		t.Errorf("a refused reassignment changed the assignee: %s", body)
	}
}
