package localserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/audit"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/session"
)

const nursery = "iscrizione-asilo-nido"

// openServer starts the local server on a fresh data directory.
func openServer(t *testing.T) (*Server, string) {
	t.Helper()
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, "http://" + s.Addr()
}

// signInOperator signs the seeded operator in with password and TOTP, as
// the back office does.
func signInOperator(t *testing.T, base string) *browser {
	t.Helper()
	b := newBrowser(t)
	login := base + "/api/v1/tenants/esempio/operator-login"
	resp, body := b.api("POST", login, fmt.Sprintf(`{"username":%q,"password":%q}`, seed.DemoOperatorUsername, seed.DemoOperatorPassword))
	expect(t, "operator password", resp, body, 200)
	var step struct{ Challenge string }
	if err := json.Unmarshal([]byte(body), &step); err != nil || step.Challenge == "" {
		t.Fatalf("operator password: %v %s", err, body)
	}
	code, err := totp.GenerateCode(seed.DemoTOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body = b.api("POST", login+"/totp", fmt.Sprintf(`{"challenge":%q,"code":%q}`, step.Challenge, code))
	expect(t, "operator TOTP", resp, body, 200)
	if info := b.session(base); info["role"] != "operator" || b.csrf == "" {
		t.Fatalf("operator session: %v", info)
	}
	return b
}

// staffBrowser signs p in by creating its session in the store, as the
// sign-in would: for tests that need many staff members.
func staffBrowser(t *testing.T, s *Server, base string, p auth.Principal) *browser {
	t.Helper()
	rec := httptest.NewRecorder()
	sess, err := s.Portal.Sessions.Create(context.Background(), rec, httptest.NewRequest("GET", base, nil), p, session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	b.client.Jar.SetCookies(u, rec.Result().Cookies())
	b.csrf = sess.CSRF
	return b
}

// submittedNursery has c submit a complete nursery application and
// returns its id.
func submittedNursery(t *testing.T, c *browser, apps string) string {
	t.Helper()
	d := completeDraft(t, c, apps)
	status, body, err := c.raw("POST", apps+"/"+d.ID+"/submission", "application/json", `{"confirmed":true}`, map[string]string{"Idempotency-Key": "invio-" + d.ID})
	if err != nil || status != 200 {
		t.Fatalf("submit: %d %v %s", status, err, body)
	}
	return d.ID
}

// eventually polls cond, which the worker makes true, for a while.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not done; last seen %s", what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// staffApp is what these tests read of an application as staff see it.
type staffApp struct {
	ID       string
	Version  int64
	Status   int
	Assignee string
	History  []struct {
		From, To     int
		Event        string
		Role         string
		By           string
		Note         string
		ResponseFile string
	}
}

func decodeStaffApp(t *testing.T, body string) staffApp {
	t.Helper()
	var a staffApp
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.ID == "" {
		t.Fatalf("not an application: %v %s", err, body)
	}
	return a
}

// pdfText returns the text of a PDF as pdftotext reads it, with runs of
// spaces and line breaks made one space; ok is false, after a log line,
// when pdftotext is missing outside CI (CI installs poppler-utils).
func pdfText(t *testing.T, pdf string) (text string, ok bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing: install poppler-utils")
		}
		t.Log("pdftotext is missing (apt-get install poppler-utils): the PDF's text is not checked")
		return "", false
	}
	path := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(path, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " "), true
}

// statusOf reads the application's status through b.
func statusOf(t *testing.T, b *browser, target string) (int, string) {
	t.Helper()
	resp, body := b.api("GET", target, "")
	expect(t, "read "+target, resp, body, 200)
	return decodeStaffApp(t, body).Status, body
}

func listed(t *testing.T, b *browser, target, id string) (bool, string) {
	t.Helper()
	resp, body := b.api("GET", target, "")
	expect(t, "list "+target, resp, body, 200)
	return strings.Contains(body, `"id":"`+id+`"`), body
}

// TestBackofficeFullFlow is the full flow: submit, take in charge,
// request an integration, the citizen integrates, the worker registers it,
// take in charge again, resume, accept with a motivation, and the citizen
// downloads the Comune's response. The history shows every step; the
// citizen's view never names the operator; internal notes stay with the
// staff.
func TestBackofficeFullFlow(t *testing.T) {
	s, base := openServer(t)
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"
	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	id := submittedNursery(t, citizen, apps)
	operator := signInOperator(t, base)

	eventually(t, "registration", func() (bool, string) {
		st, body := statusOf(t, citizen, apps+"/"+id)
		return st == 3000, body
	})
	eventually(t, "the unassigned queue", func() (bool, string) {
		in, body := listed(t, operator, office+"?queue=da-assegnare", id)
		return in && strings.Contains(body, `"status":3000`), body
	})
	resp, body := operator.api("GET", office+"?queue=da-assegnare", "")
	expect(t, "queue", resp, body, 200)
	var list struct {
		Items  []struct{ ID, StatusLabel string }
		Counts map[string]int
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || list.Counts["da-assegnare"] != 1 || list.Items[0].StatusLabel != "Protocollata" {
		t.Errorf("queue: got %s, want one registered application counted", body)
	}

	act := func(what, payload string, want int) staffApp {
		t.Helper()
		resp, body := operator.api("POST", office+"/"+id+"/transitions", payload)
		expect(t, what, resp, body, want)
		if want != 200 {
			return staffApp{}
		}
		return decodeStaffApp(t, body)
	}
	_, body = statusOf(t, operator, office+"/"+id)
	a := decodeStaffApp(t, body)
	a = act("take in charge", fmt.Sprintf(`{"event":"take-in-charge","version":%d}`, a.Version), 200)
	if a.Status != 4000 || a.Assignee != seed.DemoOperatorUsername {
		t.Errorf("take in charge: got status %d, assignee %q", a.Status, a.Assignee)
	}
	eventually(t, "the operator's queue", func() (bool, string) { return listed(t, operator, office+"?queue=da-gestire", id) })
	act("integration without a message", `{"event":"request-integration"}`, 400)
	a = act("request integration", `{"event":"request-integration","note":"Allegare l'attestazione ISEE aggiornata."}`, 200)

	resp, body = operator.api("POST", office+"/"+id+"/notes", `{"text":"Verificare con l'ufficio scuola."}`)
	expect(t, "internal note", resp, body, 201)

	// The citizen reads the request, opens the integration, adds a file and
	// the answers, and sends it once with a repeated request.
	st, seen := statusOf(t, citizen, apps+"/"+id)
	if st != 4100 || !strings.Contains(seen, "Allegare l'attestazione ISEE aggiornata.") {
		t.Fatalf("the citizen does not see the request: %s", seen)
	}
	resp, body = citizen.api("POST", apps+"/"+id+"/integration", `{}`)
	expect(t, "open integration", resp, body, 200)
	p := prepare(t, citizen, apps, id, "isee-2026.pdf", "application/pdf", len(testPDF))
	if st := upload(t, p, testPDF); st/100 != 2 {
		t.Fatalf("upload: %d", st)
	}
	resp, body = citizen.api("POST", apps+"/"+id+"/attachments/"+p.Attachment.ID+"/confirmation", `{}`)
	expect(t, "confirm integration file", resp, body, 200)
	for i := range 2 {
		status, body, err := citizen.raw("POST", apps+"/"+id+"/integration/submission", "application/json",
			`{"answers":"Allego l'attestazione ISEE 2026."}`, map[string]string{"Idempotency-Key": "integrazione-1"})
		if err != nil || status != 200 {
			t.Fatalf("send integration (%d): %d %v %s", i, status, err, body)
		}
	}
	eventually(t, "registration of the integration", func() (bool, string) {
		st, body := statusOf(t, operator, office+"/"+id)
		return st == 4400, body
	})

	a = act("take in charge after the integration", `{"event":"take-in-charge"}`, 200)
	a = act("resume", `{"event":"resume"}`, 200)
	// The decision comes with the Comune's own response file, uploaded
	// through its signed URL first.
	resp, body = operator.api("POST", office+"/"+id+"/response-file", fmt.Sprintf(`{"fileName":"provvedimento.pdf","mediaType":"application/pdf","size":%d}`, len(testPDF)))
	expect(t, "prepare the response file", resp, body, 201)
	var rf struct {
		File struct{ ID string }
		preparedUpload
	}
	if err := json.Unmarshal([]byte(body), &rf); err != nil || rf.File.ID == "" {
		t.Fatalf("response file: %v %s", err, body)
	}
	if st := upload(t, rf.preparedUpload, testPDF); st/100 != 2 {
		t.Fatalf("response file upload: %d", st)
	}
	a = act("accept", fmt.Sprintf(`{"event":"accept","note":"Requisiti verificati: iscrizione accolta.","responseFile":%q}`, rf.File.ID), 200)
	if last := a.History[len(a.History)-1]; a.Status != 7000 || last.ResponseFile != rf.File.ID {
		t.Fatalf("accept: got status %d, response file %q; want 7000 with %s", a.Status, last.ResponseFile, rf.File.ID)
	}
	wantSteps := []struct {
		event, by string
	}{
		{"submit", ""}, {"register", ""}, {"take-in-charge", "operatore"}, {"request-integration", "operatore"},
		{"start-integration", ""}, {"submit-integration", ""}, {"register-integration", ""},
		{"take-in-charge", "operatore"}, {"resume", "operatore"}, {"accept", "operatore"},
	}
	if len(a.History) != len(wantSteps) {
		t.Fatalf("history: got %+v, want %d steps", a.History, len(wantSteps))
	}
	for i, w := range wantSteps {
		if h := a.History[i]; h.Event != w.event || h.By != w.by {
			t.Errorf("step %d: got %s by %q, want %s by %q", i, h.Event, h.By, w.event, w.by)
		}
	}
	if a.History[5].Note != "Allego l'attestazione ISEE 2026." {
		t.Errorf("the integration's answers: got %q", a.History[5].Note)
	}
	eventually(t, "the concluded queue", func() (bool, string) { return listed(t, operator, office+"?queue=concluse", id) })

	// The Comune's response, produced by the worker, reaches the citizen.
	var location string
	eventually(t, "the response document", func() (bool, string) {
		resp, body := citizen.api("GET", apps+"/"+id+"/response", "")
		location = resp.Header.Get("Location")
		return resp.StatusCode == 302, resp.Status + " " + body
	})
	resp, pdf := citizen.api("GET", location, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF-") {
		t.Fatalf("response download: got %s", resp.Status)
	}
	if text, ok := pdfText(t, pdf); ok {
		for _, want := range []string{"accolta", "Requisiti verificati: iscrizione accolta.", "2026/0000001", "provvedimento.pdf"} {
			if !strings.Contains(text, want) {
				t.Errorf("the response PDF lacks %q:\n%s", want, text)
			}
		}
	}

	// The citizen's view: every step, no operator's name, no internal note.
	resp, body = citizen.api("GET", apps+"/"+id, "")
	expect(t, "citizen's detail", resp, body, 200)
	if got := decodeApp(t, body); got.Status != 7000 || len(got.History) != len(wantSteps) {
		t.Errorf("citizen's view: got status %d with %d steps", got.Status, len(got.History))
	}
	for _, leak := range []string{`"by"`, `"assignee"`, seed.DemoOperatorUsername, "Verificare con l'ufficio scuola."} {
		if strings.Contains(body, leak) {
			t.Errorf("the citizen's view shows %s: %s", leak, body)
		}
	}
	resp, body = citizen.api("GET", office+"/"+id+"/notes", "")
	expect(t, "citizen reads internal notes", resp, body, 403)
	resp, body = operator.api("GET", office+"/"+id+"/notes", "")
	expect(t, "operator reads internal notes", resp, body, 200)
	if !strings.Contains(body, "Verificare con l'ufficio scuola.") || !strings.Contains(body, `"by":"operatore"`) {
		t.Errorf("notes: got %s", body)
	}

	// The audit log shows every operator action on the application, and
	// the reads of its personal data.
	admin := staffBrowser(t, s, base, auth.Principal{Role: routes.Admin, Subject: seed.DemoAdminUsername, Tenant: "esempio"})
	resp, body = admin.api("GET", base+"/api/v1/tenants/esempio/admin/audit?application="+id, "")
	expect(t, "audit log", resp, body, 200)
	var log struct{ Items []audit.Entry }
	if err := json.Unmarshal([]byte(body), &log); err != nil {
		t.Fatal(err)
	}
	transitions, reads := 0, 0
	for _, e := range log.Items {
		if e.Subject != seed.DemoOperatorUsername {
			continue
		}
		switch e.Action {
		case "POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/transitions":
			if e.Status == 200 {
				transitions++
			}
		case audit.ReadPersonalData:
			reads++
		}
	}
	// take in charge, request integration, take in charge, resume, accept
	if transitions != 5 || reads == 0 {
		t.Errorf("audit: got %d successful transitions and %d reads by the operator, want 5 and some:\n%s", transitions, reads, body)
	}
}

// TestTakeInChargeRace: fifty operators take the same application at once;
// exactly one succeeds, the others get 409.
func TestTakeInChargeRace(t *testing.T) {
	s, base := openServer(t)
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"
	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	id := submittedNursery(t, citizen, apps)
	eventually(t, "registration", func() (bool, string) {
		st, body := statusOf(t, citizen, apps+"/"+id)
		return st == 3000, body
	})

	const n = 50
	operators := make([]*browser, n)
	for i := range operators {
		operators[i] = staffBrowser(t, s, base, auth.Principal{Role: routes.Operator, Subject: fmt.Sprintf("operatore%02d", i), Tenant: "esempio", Services: []string{nursery}})
	}
	_, body := statusOf(t, operators[0], office+"/"+id)
	version := decodeStaffApp(t, body).Version
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		winners  []string
	)
	for i, op := range operators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, err := op.raw("POST", office+"/"+id+"/transitions", "application/json",
				fmt.Sprintf(`{"event":"take-in-charge","version":%d}`, version), nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			statuses[status]++
			if status == 200 {
				winners = append(winners, fmt.Sprintf("operatore%02d", i))
			}
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[409] != n-1 {
		t.Fatalf("got %v, want one 200 and %d 409", statuses, n-1)
	}
	_, body = statusOf(t, operators[0], office+"/"+id)
	a := decodeStaffApp(t, body)
	takes := 0
	for _, h := range a.History {
		if h.Event == "take-in-charge" {
			takes++
		}
	}
	if a.Status != 4000 || takes != 1 || a.Assignee != winners[0] {
		t.Errorf("got status %d, %d takes in charge, assignee %q; want one, by %s", a.Status, takes, a.Assignee, winners[0])
	}
}

// TestBackofficeAuthorization: an operator of another service, or of
// another Comune, can neither list, read nor act on an application; a
// citizen reaches no back-office route.
func TestBackofficeAuthorization(t *testing.T) {
	s, base := openServer(t)
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"
	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	id := submittedNursery(t, citizen, apps)

	nurseryOp := staffBrowser(t, s, base, auth.Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio", Services: []string{nursery}})
	otherService := staffBrowser(t, s, base, auth.Principal{Role: routes.Operator, Subject: "bruno", Tenant: "esempio", Services: []string{"certificato-residenza"}})
	otherComune := staffBrowser(t, s, base, auth.Principal{Role: routes.Admin, Subject: "carla", Tenant: "altro"})
	eventually(t, "the nursery operator's queue", func() (bool, string) { return listed(t, nurseryOp, office+"?queue=tutte", id) })

	for _, q := range []string{"da-assegnare", "tutte", "concluse", "da-gestire"} {
		if in, body := listed(t, otherService, office+"?queue="+q, id); in {
			t.Errorf("another service's operator lists it in %s: %s", q, body)
		}
	}
	if in, body := listed(t, otherService, office+"?q="+id, id); in {
		t.Errorf("another service's operator finds it by id: %s", body)
	}
	resp, body := otherService.api("GET", office+"?queue=tutte", "")
	expect(t, "list", resp, body, 200)
	if !strings.Contains(body, `"tutte":0`) {
		t.Errorf("another service's operator counts it: %s", body)
	}

	tests := []struct {
		name   string
		who    *browser
		method string
		target string
		body   string
		want   int
	}{
		{"OtherServiceFiltersByService", otherService, "GET", office + "?service=" + nursery, "", 403},
		{"OtherServiceReads", otherService, "GET", office + "/" + id, "", 404},
		{"OtherServiceActs", otherService, "POST", office + "/" + id + "/transitions", `{"event":"take-in-charge"}`, 404},
		{"OtherServiceReadsNotes", otherService, "GET", office + "/" + id + "/notes", "", 404},
		{"OtherServiceAddsNote", otherService, "POST", office + "/" + id + "/notes", `{"text":"x"}`, 404},
		{"OtherComuneLists", otherComune, "GET", office + "?queue=tutte", "", 403},
		{"OtherComuneReads", otherComune, "GET", office + "/" + id, "", 403},
		{"OtherComuneActs", otherComune, "POST", office + "/" + id + "/transitions", `{"event":"take-in-charge"}`, 403},
		{"OtherComuneInItsOwnPath", otherComune, "GET", base + "/api/v1/tenants/altro/backoffice/applications/" + id, "", 404},
		{"CitizenLists", citizen, "GET", office, "", 403},
		{"CitizenReads", citizen, "GET", office + "/" + id, "", 403},
		{"CitizenActs", citizen, "POST", office + "/" + id + "/transitions", `{"event":"take-in-charge"}`, 403},
		{"OperatorOpensTheCitizensIntegration", nurseryOp, "POST", apps + "/" + id + "/integration", `{}`, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.who.api(tt.method, tt.target, tt.body)
			expect(t, tt.name, resp, body, tt.want)
			if strings.Contains(body, "applicant") {
				t.Errorf("the refusal shows the application: %s", body)
			}
		})
	}
	if st, body := statusOf(t, nurseryOp, office+"/"+id); st == 4000 {
		t.Errorf("a refused action changed the application: %s", body)
	}
}

// TestBackofficeRefusesBadInput: every mistake gets a 4xx that says what
// is wrong, never a 500, and changes nothing.
func TestBackofficeRefusesBadInput(t *testing.T) {
	s, base := openServer(t)
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"
	citizen := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	id := submittedNursery(t, citizen, apps)
	operator := staffBrowser(t, s, base, auth.Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio", Services: []string{nursery}})
	admin := staffBrowser(t, s, base, auth.Principal{Role: routes.Admin, Subject: seed.DemoAdminUsername, Tenant: "esempio"})
	transitions := office + "/" + id + "/transitions"

	tests := []struct {
		name   string
		who    *browser
		method string
		target string
		body   string
		want   int
		says   string
	}{
		{"UnknownEvent", operator, "POST", transitions, `{"event":"approve"}`, 400, "non esiste"},
		{"CitizensEvent", operator, "POST", transitions, `{"event":"withdraw"}`, 400, "non esiste"},
		{"AcceptBeforeTakingInCharge", operator, "POST", transitions, `{"event":"accept"}`, 409, "non è possibile"},
		{"StaleVersion", operator, "POST", transitions, `{"event":"take-in-charge","version":1}`, 409, "modificata nel frattempo"},
		{"NegativeVersion", operator, "POST", transitions, `{"event":"take-in-charge","version":-1}`, 400, "negativa"},
		{"AssigneeOnTakeInCharge", operator, "POST", transitions, `{"event":"take-in-charge","assignee":"bruno"}`, 400, "reassign"},
		{"UnknownResponseFile", operator, "POST", transitions, `{"event":"accept","responseFile":"x"}`, 400, "file di risposta"},
		{"ReassignByAnOperator", operator, "POST", transitions, `{"event":"reassign","assignee":"operatore"}`, 403, "responsabile"},
		{"ReassignToNobody", admin, "POST", transitions, `{"event":"reassign","assignee":"nessuno"}`, 400, "non esiste"},
		{"NotJSON", operator, "POST", transitions, `event=accept`, 415, "JSON"},
		{"UnknownQueue", operator, "GET", office + "?queue=mie", "", 400, "non esiste"},
		{"StatusWithoutService", operator, "GET", office + "?status=2000", "", 400, "servizio"},
		{"UnknownStatus", operator, "GET", office + "?service=" + nursery + "&status=1234", "", 400, "non esiste"},
		{"BadDate", operator, "GET", office + "?from=01/03/2026", "", 400, "AAAA-MM-GG"},
		{"DatesReversed", operator, "GET", office + "?from=2026-03-02&to=2026-03-01", "", 400, "dopo"},
		{"UnknownOrder", operator, "GET", office + "?order=random", "", 400, "oldest"},
		{"SearchWithAFilter", operator, "GET", office + "?q=abc&queue=tutte", "", 400, "ricerca"},
		{"UnknownParameter", operator, "GET", office + "?sort=name", "", 400, "sort"},
		{"EmptyNote", operator, "POST", office + "/" + id + "/notes", `{"text":"  "}`, 400, "vuota"},
		{"UnknownApplication", operator, "GET", office + "/not-an-id", "", 404, "non esiste"},
		{"IntegrationNotRequested", citizen, "POST", apps + "/" + id + "/integration", `{}`, 409, "non è possibile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contentType := "application/json"
			if tt.name == "NotJSON" {
				contentType = "application/x-www-form-urlencoded"
			}
			status, body, err := tt.who.raw(tt.method, tt.target, contentType, tt.body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.want || !strings.Contains(body, tt.says) {
				t.Errorf("got %d %s, want %d saying %q", status, body, tt.want, tt.says)
			}
		})
	}

	// The integration's own mistakes, once it is requested.
	resp, body := operator.api("POST", transitions, `{"event":"take-in-charge"}`)
	expect(t, "take in charge", resp, body, 200)
	resp, body = operator.api("POST", transitions, `{"event":"reject"}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "motivazione") {
		t.Errorf("reject without a motivation: got %s %s, want 400 asking for one", resp.Status, body)
	}
	resp, body = operator.api("POST", transitions, `{"event":"request-integration","note":"Manca l'ISEE."}`)
	expect(t, "request integration", resp, body, 200)
	resp, body = citizen.api("POST", apps+"/"+id+"/integration", `{}`)
	expect(t, "open integration", resp, body, 200)
	sendIntegration := func(key, payload string) (int, string) {
		t.Helper()
		header := map[string]string{}
		if key != "" {
			header["Idempotency-Key"] = key
		}
		status, body, err := citizen.raw("POST", apps+"/"+id+"/integration/submission", "application/json", payload, header)
		if err != nil {
			t.Fatal(err)
		}
		return status, body
	}
	for _, tt := range []struct {
		name, key, payload string
		says               string
	}{
		{"NoIdempotencyKey", "", `{"answers":"ok"}`, "Idempotency-Key"},
		{"BadIdempotencyKey", "due parole", `{"answers":"ok"}`, "chiave di idempotenza"},
		{"AnswersTooLong", "k1", fmt.Sprintf(`{"answers":%q}`, strings.Repeat("a", 4001)), "4.000"},
		{"AnswersWithControlCharacters", "k2", `{"answers":"a\u0000b"}`, "non ammessi"},
	} {
		if status, body := sendIntegration(tt.key, tt.payload); status != 400 || !strings.Contains(body, tt.says) {
			t.Errorf("%s: got %d %s, want 400 saying %q", tt.name, status, body, tt.says)
		}
	}
	if st, body := statusOf(t, citizen, apps+"/"+id); st != 4200 {
		t.Errorf("refused integrations changed the application: %s", body)
	}
}
