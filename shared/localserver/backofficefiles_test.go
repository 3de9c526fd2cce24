package localserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/routes"
)

// TestOperatorDownloadsTheFiles: an operator of the service downloads the
// receipt and the citizen's attachment through signed links; an operator
// of another service learns nothing, and an id the application does not
// list is not found.
func TestOperatorDownloadsTheFiles(t *testing.T) {
	s, base := openServer(t)
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"
	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	id := submittedNursery(t, citizen, apps)
	operator := signInOperator(t, base)
	other := staffBrowser(t, s, base, auth.Principal{Role: routes.Operator, Subject: "anagrafe", Tenant: "esempio", Services: []string{"certificato-residenza"}})

	resp, body := operator.api("GET", office+"/"+id, "")
	expect(t, "detail", resp, body, 200)
	var app struct{ Attachments []string }
	if err := json.Unmarshal([]byte(body), &app); err != nil || len(app.Attachments) != 1 {
		t.Fatalf("got attachments %v (%v), want one", app.Attachments, err)
	}
	attachment := office + "/" + id + "/attachments/" + app.Attachments[0]

	var location string
	eventually(t, "the receipt", func() (bool, string) {
		resp, body := operator.api("GET", office+"/"+id+"/receipt", "")
		location = resp.Header.Get("Location")
		return resp.StatusCode == http.StatusFound, resp.Status + " " + body
	})
	if resp, pdf := operator.api("GET", location, ""); resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("receipt download: got %s", resp.Status)
	}
	resp, body = operator.api("GET", attachment, "")
	expect(t, "attachment", resp, body, http.StatusFound)
	if resp, got := operator.api("GET", resp.Header.Get("Location"), ""); resp.StatusCode != 200 || got != testPDF {
		t.Errorf("attachment download: got %s %q, want the uploaded file", resp.Status, got)
	}

	tests := []struct {
		name   string
		b      *browser
		target string
	}{
		{"ReceiptOfAnotherService", other, office + "/" + id + "/receipt"},
		{"AttachmentOfAnotherService", other, attachment},
		{"AttachmentNotListed", operator, office + "/" + id + "/attachments/nonlistato"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.b.api("GET", tt.target, "")
			expect(t, tt.name, resp, body, http.StatusNotFound)
			if resp.Header.Get("Location") != "" {
				t.Errorf("got a redirect to %q, want none", resp.Header.Get("Location"))
			}
		})
	}
}
