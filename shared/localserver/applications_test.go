package localserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// nurseryData is a complete nursery enrolment, with the ISEE certificate
// that the test uploads as attachment id. The applicant's fiscal code is
// someone else's: the portal must replace it with the signed-in citizen's.
func nurseryData(id string) string {
	return `{
		"applicant": {"data": {
			"completename": {"data": {"name": "Giulia", "surname": "Bellandi"}},
			"fiscal_code": {"data": {"fiscal_code": "RSSMRA80A01H501U"}},
			"born": {"data": {"birth_date": "27/02/1993", "place_of_birth": "Bologna"}},
			"address": {"data": {"address": "Via Roma", "house_number": "1", "municipality": "Esempio",
				"county": "TO", "postal_code": "10100", "country": "Italia"}},
			"email_address": "giulia.bellandi@example.org",
			"phone_number": "+39 333 1234567"
		}},
		"child_name": "Sara", "child_surname": "Bellandi",
		"child_fiscal_code": "BLLSRA25C52A944Z", "child_birth_date": "12/03/2025",
		"disability": false,
		"parents": [
			{"name": "Giulia", "surname": "Bellandi", "fiscal_code": "BLLGLI93B67A944K", "role": "madre", "work": "dipendente", "phone": "333 1234567"},
			{"name": "Luca", "surname": "Bellandi", "fiscal_code": "BLLLCU90L08D612P", "role": "padre", "work": "autonomo"}
		],
		"nurseries": {"nido-girasole": true, "nido-arcobaleno": false, "nido-coccinella": false, "micronido-piccoli-passi": false},
		"attendance": "tempo-pieno",
		"has_isee": "si", "isee_value": 18250.5, "dsu_protocol": "INPS-ISEE-2026-00012345X-00",
		"isee_certificate": [{"name": "isee.pdf", "size": 24, "type": "application/pdf", "key": "` + id + `"}],
		"truthful": true, "privacy": true
	}`
}

// TestApplicationJourney is the end-to-end story on the local
// server: sign in, draft, upload, submit; the worker registers a protocol
// number and builds the receipt; the email reaches the local mailbox; the
// detail shows the history; a repeated submit creates nothing new.
func TestApplicationJourney(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	apps := base + "/api/v1/tenants/esempio/applications"
	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")

	resp, body := citizen.api("GET", base+"/api/v1/tenants/esempio/services/iscrizione-asilo-nido/form", "")
	expect(t, "form", resp, body, 200)
	if !strings.Contains(body, "child_name") {
		t.Fatalf("the form lacks its fields: %.300s", body)
	}

	// A draft, then the same draft again.
	resp, body = citizen.api("POST", apps, `{"service":"iscrizione-asilo-nido"}`)
	expect(t, "start", resp, body, 201)
	var app struct {
		ID          string
		Version     int64
		Status      int
		StatusLabel string
		Protocol    *struct{ Number string }
		History     []struct {
			From, To int
			Role     string
		}
	}
	decode := func(body string) {
		t.Helper()
		if err := json.Unmarshal([]byte(body), &app); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
	}
	decode(body)
	if app.Status != 1000 {
		t.Fatalf("a new application is a draft: %s", body)
	}
	draftID := app.ID
	resp, body = citizen.api("POST", apps, `{"service":"iscrizione-asilo-nido"}`)
	expect(t, "resume", resp, body, 200)
	if decode(body); app.ID != draftID {
		t.Fatalf("resuming gave another draft: %s", body)
	}

	// The ISEE certificate, straight to file storage with a signed URL.
	pdf := "%PDF-1.4\n%test isee\n%%EOF"
	resp, body = citizen.api("POST", apps+"/"+draftID+"/attachments",
		fmt.Sprintf(`{"fileName":"ISEE 2026.pdf","mediaType":"application/pdf","size":%d}`, len(pdf)))
	expect(t, "prepare upload", resp, body, 201)
	var prepared struct {
		Attachment struct{ ID string }
		Upload     struct {
			Method, URL string
			Headers     map[string]string
		}
	}
	if err := json.Unmarshal([]byte(body), &prepared); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(prepared.Upload.Method, prepared.Upload.URL, strings.NewReader(pdf))
	for k, v := range prepared.Upload.Headers {
		req.Header.Set(k, v)
	}
	if up, err := http.DefaultClient.Do(req); err != nil || up.StatusCode/100 != 2 {
		t.Fatalf("upload: %v %v", up, err)
	}
	resp, body = citizen.api("POST", apps+"/"+draftID+"/attachments/"+prepared.Attachment.ID+"/confirmation", `{}`)
	expect(t, "confirm upload", resp, body, 200)
	var linked struct{ Application struct{ Version int64 } }
	if err := json.Unmarshal([]byte(body), &linked); err != nil {
		t.Fatal(err)
	}

	// Autosave the form, then submit twice with one key.
	resp, body = citizen.api("PATCH", apps+"/"+draftID, fmt.Sprintf(`{"version":%d,"step":4,"data":%s}`, linked.Application.Version, nurseryData(prepared.Attachment.ID)))
	expect(t, "save draft", resp, body, 200)
	submit := func() (*http.Response, string) {
		req, _ := http.NewRequest("POST", apps+"/"+draftID+"/submission", strings.NewReader(`{"confirmed":true}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "invio-1")
		req.Header.Set("X-CSRF-Token", citizen.csrf)
		resp, err := citizen.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body = submit()
	expect(t, "submit", resp, body, 200)
	resp, body = submit()
	expect(t, "submit again", resp, body, 200)
	if decode(body); app.ID != draftID {
		t.Errorf("the repeated submit answered another application: %s", body)
	}

	// The worker registers it.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, body = citizen.api("GET", apps+"/"+draftID, "")
		expect(t, "detail", resp, body, 200)
		if decode(body); app.Status == 3000 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if app.Status != 3000 || app.Protocol == nil || !strings.HasPrefix(app.Protocol.Number, fmt.Sprint(time.Now().Year())+"/") {
		t.Fatalf("the application was not registered: %s", body)
	}
	if len(app.History) != 2 || app.History[0].To != 2000 || app.History[1].To != 3000 || app.History[1].Role != "system" {
		t.Errorf("history: got %+v", app.History)
	}
	if !strings.Contains(body, `"fiscal_code":{"data":{"fiscal_code":"BLLGLI93B67A944K"}}`) {
		t.Errorf("the applicant's fiscal code must be the signed-in citizen's, whatever the browser sent: %s", body)
	}
	if strings.Contains(body, "idempotencyKey") {
		t.Error("the citizen's view shows the idempotency key")
	}

	// "Le mie pratiche": one application sent, no draft left.
	resp, body = citizen.api("GET", apps+"?group=inviate", "")
	expect(t, "my applications", resp, body, 200)
	if !strings.Contains(body, draftID) {
		t.Errorf("the sent list lacks the application: %s", body)
	}
	resp, body = citizen.api("GET", apps+"?group=bozze", "")
	expect(t, "my drafts", resp, body, 200)
	if strings.Contains(body, draftID) {
		t.Errorf("the submitted application is still among the drafts: %s", body)
	}

	// The receipt, with the protocol number once registered.
	deadline = time.Now().Add(15 * time.Second)
	for {
		resp, body = citizen.api("GET", apps+"/"+draftID+"/receipt", "")
		if resp.StatusCode == http.StatusFound || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("receipt: %s %s", resp.Status, body)
	}
	pdfResp, receipt := citizen.api("GET", resp.Header.Get("Location"), "")
	if pdfResp.StatusCode != 200 || !strings.HasPrefix(receipt, "%PDF-") {
		t.Fatalf("receipt download: %s", pdfResp.Status)
	}

	// "I miei allegati" lists the certificate with its application.
	resp, body = citizen.api("GET", base+"/api/v1/me/attachments", "")
	expect(t, "my attachments", resp, body, 200)
	if !strings.Contains(body, prepared.Attachment.ID) || !strings.Contains(body, draftID) {
		t.Errorf("attachments: %s", body)
	}

	// The notices reached the local mailbox, once each.
	// The worker sends them after the registration, asynchronously.
	var mailbox []byte
	for deadline = time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, mailbox = get(t, base+"/_mailbox/"); strings.Contains(string(mailbox), "Protocollata") {
			break
		}
	}
	if n := strings.Count(string(mailbox), "Protocollata"); n != 1 {
		t.Errorf("got %d registration notices in the mailbox, want 1:\n%s", n, mailbox)
	}
}
