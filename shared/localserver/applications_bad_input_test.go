package localserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// raw sends one request to the API as b's session, with the given content
// type, body and extra headers, and returns the status and the body. It
// reports errors instead of failing the test, so that goroutines may call it.
func (b *browser) raw(method, target, contentType, body string, header map[string]string) (int, string, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		return 0, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), err
}

// appState is what these tests read of an application.
type appState struct {
	ID      string
	Version int64
	Status  int
	History []struct {
		From, To int
		Event    string
	}
}

func decodeApp(t *testing.T, body string) appState {
	t.Helper()
	var a appState
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.ID == "" {
		t.Fatalf("not an application: %v %s", err, body)
	}
	return a
}

// startDraft starts (or resumes) c's draft of service.
func startDraft(t *testing.T, c *browser, apps, service string) appState {
	t.Helper()
	resp, body := c.api("POST", apps, fmt.Sprintf(`{"service":%q}`, service))
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		t.Fatalf("start %s: %s %s", service, resp.Status, body)
	}
	return decodeApp(t, body)
}

// preparedUpload is the answer to preparing an attachment.
type preparedUpload struct {
	Attachment struct{ ID string }
	Upload     struct {
		Method, URL string
		Headers     map[string]string
	}
}

// prepare declares a file for application app and returns what to upload.
func prepare(t *testing.T, c *browser, apps, app, name, mediaType string, size int) preparedUpload {
	t.Helper()
	resp, body := c.api("POST", apps+"/"+app+"/attachments", fmt.Sprintf(`{"fileName":%q,"mediaType":%q,"size":%d}`, name, mediaType, size))
	expect(t, "prepare upload", resp, body, 201)
	var p preparedUpload
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// upload sends content with p's signed request and returns the status.
func upload(t *testing.T, p preparedUpload, content string) int {
	t.Helper()
	req, err := http.NewRequest(p.Upload.Method, p.Upload.URL, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Upload.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const testPDF = "%PDF-1.4\n%test isee\n%%EOF"

// completeDraft gives c a nursery draft that can be submitted: the ISEE
// certificate uploaded and confirmed, the form complete.
func completeDraft(t *testing.T, c *browser, apps string) appState {
	t.Helper()
	d := startDraft(t, c, apps, "iscrizione-asilo-nido")
	p := prepare(t, c, apps, d.ID, "isee.pdf", "application/pdf", len(testPDF))
	if st := upload(t, p, testPDF); st/100 != 2 {
		t.Fatalf("upload: %d", st)
	}
	resp, body := c.api("POST", apps+"/"+d.ID+"/attachments/"+p.Attachment.ID+"/confirmation", `{}`)
	expect(t, "confirm upload", resp, body, 200)
	var linked struct{ Application struct{ Version int64 } }
	if err := json.Unmarshal([]byte(body), &linked); err != nil {
		t.Fatal(err)
	}
	resp, body = c.api("PATCH", apps+"/"+d.ID, fmt.Sprintf(`{"version":%d,"step":4,"data":%s}`, linked.Application.Version, nurseryData(p.Attachment.ID)))
	expect(t, "save draft", resp, body, 200)
	return decodeApp(t, body)
}

// submissions counts the submissions in an application's history.
func submissions(a appState) int {
	n := 0
	for _, h := range a.History {
		if h.Event == "submit" {
			n++
		}
	}
	return n
}

// TestApplicationsRefuseBadInput sends what a broken or hostile client
// might to every route of the citizen's applications: each gets a 4xx
// problem that says what is wrong, never a 500, and nothing is kept of a
// refused file.
func TestApplicationsRefuseBadInput(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	apps := base + "/api/v1/tenants/esempio/applications"
	giulia := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")
	luca := readyCitizen(t, base, "TSTIDP0000006", "luca.bellandi@example.org")

	// Giulia: one application submitted with key "invio-1", then a new
	// draft; Luca: a draft of his own.
	sent := completeDraft(t, giulia, apps)
	status, body, err := giulia.raw("POST", apps+"/"+sent.ID+"/submission", "application/json", `{"confirmed":true}`, map[string]string{"Idempotency-Key": "invio-1"})
	if err != nil || status != 200 {
		t.Fatalf("submit: %d %v %s", status, err, body)
	}
	draft := startDraft(t, giulia, apps, "iscrizione-asilo-nido")
	if draft.ID == sent.ID || draft.Status != 1000 {
		t.Fatalf("after submission a new draft starts: %+v", draft)
	}
	lucaDraft := startDraft(t, luca, apps, "iscrizione-asilo-nido")
	d := apps + "/" + draft.ID
	unknown := apps + "/" + strings.Repeat("a", 26)
	huge := `{"notes":"` + strings.Repeat("x", 70<<10) + `"}`
	const ct = "application/json"
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

	tests := []struct {
		name        string
		who         *browser
		method      string
		target      string
		contentType string
		body        string
		header      map[string]string
		wantStatus  int
		wantText    string
	}{
		// Bodies that are not what the API reads.
		{"StartNotJSON", giulia, "POST", apps, "text/plain", `{"service":"iscrizione-asilo-nido"}`, nil, 415, "formato JSON"},
		{"StartNoContentType", giulia, "POST", apps, "", `{"service":"iscrizione-asilo-nido"}`, nil, 415, "formato JSON"},
		{"StartLatin1", giulia, "POST", apps, "application/json; charset=iso-8859-1", `{"service":"iscrizione-asilo-nido"}`, nil, 415, "UTF-8"},
		{"StartMalformed", giulia, "POST", apps, ct, `{"service":`, nil, 400, "JSON incompleto"},
		{"StartSyntaxError", giulia, "POST", apps, ct, `{"service" "x"}`, nil, 400, "non è un JSON valido"},
		{"StartEmpty", giulia, "POST", apps, ct, "", nil, 400, "è vuoto"},
		{"StartTwoValues", giulia, "POST", apps, ct, `{"service":"iscrizione-asilo-nido"}{}`, nil, 400, "un solo valore JSON"},
		{"StartUnknownField", giulia, "POST", apps, ct, `{"service":"iscrizione-asilo-nido","servizio":"x"}`, nil, 400, `Il campo "servizio" non è previsto`},
		{"StartWrongType", giulia, "POST", apps, ct, `{"service":42}`, nil, 400, `"service" deve essere un testo`},
		{"StartOversized", giulia, "POST", apps, ct, `{"service":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "dimensione massima di 64 KiB"},
		{"SaveNotJSON", giulia, "PATCH", d, "application/x-www-form-urlencoded", "version=1", nil, 415, "formato JSON"},
		{"SaveMalformed", giulia, "PATCH", d, ct, `{"version":1,`, nil, 400, "JSON incompleto"},
		{"SaveUnknownField", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"dati":{}}`, draft.Version), nil, 400, `Il campo "dati" non è previsto`},
		{"SaveVersionNotANumber", giulia, "PATCH", d, ct, `{"version":"1"}`, nil, 400, `"version" deve essere un numero intero`},
		{"SaveStepFraction", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"step":1.5}`, draft.Version), nil, 400, `"step" deve essere un numero intero`},
		{"SaveOversized", giulia, "PATCH", d, ct, `{"version":1,"data":{"x":"` + strings.Repeat("x", 70<<10) + `"}}`, nil, 413, "dimensione massima"},
		{"NotesNotJSON", giulia, "PUT", d + "/notes", "text/plain", "ciao", nil, 415, "formato JSON"},
		{"NotesWrongType", giulia, "PUT", d + "/notes", ct, `{"notes":["a"]}`, nil, 400, `"notes" deve essere un testo`},
		{"NotesOversized", giulia, "PUT", d + "/notes", ct, huge, nil, 413, "dimensione massima"},
		{"WithdrawalNotJSON", giulia, "POST", apps + "/" + sent.ID + "/withdrawal", "text/plain", "{}", nil, 415, "formato JSON"},
		{"WithdrawalUnknownField", giulia, "POST", apps + "/" + sent.ID + "/withdrawal", ct, `{"reason":"x"}`, nil, 400, `Il campo "reason" non è previsto`},
		{"SubmissionNotJSON", giulia, "POST", d + "/submission", "text/plain", `{"confirmed":true}`, key("k-415"), 415, "formato JSON"},
		{"SubmissionConfirmedNotBool", giulia, "POST", d + "/submission", ct, `{"confirmed":"yes"}`, key("k-type"), 400, `"confirmed" deve essere true o false`},
		{"PrepareNotJSON", giulia, "POST", d + "/attachments", "multipart/form-data; boundary=x", "--x--", nil, 415, "formato JSON"},
		{"PrepareSizeNotANumber", giulia, "POST", d + "/attachments", ct, `{"fileName":"a.pdf","mediaType":"application/pdf","size":"10"}`, nil, 400, `"size" deve essere un numero intero`},
		{"ConfirmNotJSON", giulia, "POST", d + "/attachments/" + strings.Repeat("b", 26) + "/confirmation", "text/plain", "{}", nil, 415, "formato JSON"},
		{"ConfirmReuseNotBool", giulia, "POST", d + "/attachments/" + strings.Repeat("b", 26) + "/confirmation", ct, `{"reuse":1}`, nil, 400, `"reuse" deve essere true o false`},

		// What cannot be found, or belongs to someone else, does not exist.
		{"StartUnknownService", giulia, "POST", apps, ct, `{"service":"iscrizione-università"}`, nil, 404, "non esiste"},
		{"StartDraftService", giulia, "POST", apps, ct, `{"service":"iscrizione-centri-estivi"}`, nil, 404, `Il servizio "iscrizione-centri-estivi" non esiste`},
		{"StartNoService", giulia, "POST", apps, ct, `{}`, nil, 404, `Il servizio "" non esiste`},
		{"FormOfDraftService", giulia, "GET", base + "/api/v1/tenants/esempio/services/iscrizione-centri-estivi/form", "", "", nil, 404, "non esiste"},
		{"UnknownComune", giulia, "GET", base + "/api/v1/tenants/atlantide/applications", "", "", nil, 404, "atlantide"},
		{"ReadUnknown", giulia, "GET", unknown, "", "", nil, 404, "La pratica richiesta non esiste"},
		{"ReadMalformedID", giulia, "GET", apps + "/not-an-id", "", "", nil, 404, "La pratica richiesta non esiste"},
		{"SaveUnknown", giulia, "PATCH", unknown, ct, `{"version":1}`, nil, 404, "La pratica richiesta non esiste"},
		{"NotesUnknown", giulia, "PUT", unknown + "/notes", ct, `{"notes":"x"}`, nil, 404, "La pratica richiesta non esiste"},
		{"SubmitUnknown", giulia, "POST", unknown + "/submission", ct, `{"confirmed":true}`, key("k-unknown"), 404, "La pratica richiesta non esiste"},
		{"WithdrawUnknown", giulia, "POST", unknown + "/withdrawal", ct, `{}`, nil, 404, "La pratica richiesta non esiste"},
		{"PrepareUnknown", giulia, "POST", unknown + "/attachments", ct, `{"fileName":"a.pdf","mediaType":"application/pdf","size":10}`, nil, 404, "La pratica richiesta non esiste"},
		{"ReceiptUnknown", giulia, "GET", unknown + "/receipt", "", "", nil, 404, "La pratica richiesta non esiste"},
		{"OthersRead", luca, "GET", d, "", "", nil, 404, "La pratica richiesta non esiste"},
		{"OthersSave", luca, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"step":1}`, draft.Version), nil, 404, "La pratica richiesta non esiste"},
		{"OthersNotes", luca, "PUT", d + "/notes", ct, `{"notes":"mia"}`, nil, 404, "La pratica richiesta non esiste"},
		{"OthersSubmit", luca, "POST", apps + "/" + sent.ID + "/submission", ct, `{"confirmed":true}`, key("invio-1"), 404, "La pratica richiesta non esiste"},
		{"OthersWithdraw", luca, "POST", apps + "/" + sent.ID + "/withdrawal", ct, `{}`, nil, 404, "La pratica richiesta non esiste"},
		{"OthersReceipt", luca, "GET", apps + "/" + sent.ID + "/receipt", "", "", nil, 404, "La pratica richiesta non esiste"},
		{"OthersPrepare", luca, "POST", d + "/attachments", ct, `{"fileName":"a.pdf","mediaType":"application/pdf","size":10}`, nil, 404, "La pratica richiesta non esiste"},
		{"OthersList", luca, "GET", apps + "?group=inviate", "", "", nil, 200, `"items":[]`},

		// Values out of bounds.
		{"SaveNoVersion", giulia, "PATCH", d, ct, `{"step":1}`, nil, 400, "campo version"},
		{"SaveStaleVersion", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"step":1}`, draft.Version+7), nil, 409, "modificata nel frattempo"},
		{"SaveStepTooHigh", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"step":100}`, draft.Version), nil, 400, "Il passo del modulo 100 non è valido"},
		{"SaveStepNegative", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"step":-1}`, draft.Version), nil, 400, "Il passo del modulo -1 non è valido"},
		{"SaveDataArray", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"data":[1,2]}`, draft.Version), nil, 400, "devono essere un oggetto JSON"},
		{"SaveDataString", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"data":"tutto"}`, draft.Version), nil, 400, "devono essere un oggetto JSON"},
		{"SaveDataNull", giulia, "PATCH", d, ct, fmt.Sprintf(`{"version":%d,"data":null}`, draft.Version), nil, 400, "devono essere un oggetto JSON"},
		{"NotesTooLong", giulia, "PUT", d + "/notes", ct, `{"notes":"` + strings.Repeat("è", 2001) + `"}`, nil, 400, "al massimo 2.000 caratteri"},
		{"NotesControlCharacters", giulia, "PUT", d + "/notes", ct, `{"notes":"promemoria\u0007\u001b[2J"}`, nil, 400, "caratteri non ammessi"},
		{"WithdrawalNoteControlCharacters", giulia, "POST", apps + "/" + sent.ID + "/withdrawal", ct, `{"note":"basta\u0000"}`, nil, 400, "caratteri non ammessi"},
		{"UnknownGroup", giulia, "GET", apps + "?group=cestino", "", "", nil, 400, `Il gruppo di pratiche "cestino" non esiste`},
		{"ForgedCursor", giulia, "GET", apps + "?group=bozze&cursor=Zm9yZ2Vk", "", "", nil, 400, "cursore"},
		{"ForgedAttachmentsCursor", giulia, "GET", base + "/api/v1/me/attachments?cursor=Zm9yZ2Vk", "", "", nil, 400, "cursore"},

		// Submission.
		{"SubmitWithoutKey", giulia, "POST", d + "/submission", ct, `{"confirmed":true}`, nil, 400, "Idempotency-Key"},
		{"SubmitKeyTooLong", giulia, "POST", d + "/submission", ct, `{"confirmed":true}`, key(strings.Repeat("k", 300)), 400, "chiave di idempotenza"},
		{"SubmitNotConfirmed", giulia, "POST", d + "/submission", ct, `{"confirmed":false}`, key("k-unconfirmed"), 400, "campo confirmed"},
		{"SubmitWithoutBody", giulia, "POST", d + "/submission", "", "", key("k-nobody"), 415, "formato JSON"},
		{"SubmitIncomplete", giulia, "POST", d + "/submission", ct, `{"confirmed":true}`, key("k-incomplete"), 400, "Campi del modulo da correggere"},
		{"SubmitAgainSameKey", giulia, "POST", apps + "/" + sent.ID + "/submission", ct, `{"confirmed":true}`, key("invio-1"), 200, sent.ID},
		{"SubmitAgainOtherKey", giulia, "POST", apps + "/" + sent.ID + "/submission", ct, `{"confirmed":true}`, key("invio-2"), 409, "già stata inviata"},
		{"SaveSubmitted", giulia, "PATCH", apps + "/" + sent.ID, ct, fmt.Sprintf(`{"version":%d,"step":1}`, sent.Version+1), nil, 409, "già stata inviata e non si può più modificare"},
		{"WithdrawDraft", giulia, "POST", d + "/withdrawal", ct, `{}`, nil, 409, "non è possibile per una pratica nello stato «Bozza»"},
		{"ReceiptOfDraft", giulia, "GET", d + "/receipt", "", "", nil, 409, "solo dopo l'invio"},

		// Attachments.
		{"PrepareDisallowedType", giulia, "POST", d + "/attachments", ct, `{"fileName":"foto.gif","mediaType":"image/gif","size":100}`, nil, 400, "non è ammesso per il servizio: sono ammessi PDF"},
		{"PrepareImageForPDFOnly", giulia, "POST", d + "/attachments", ct, `{"fileName":"isee.png","mediaType":"image/png","size":100}`, nil, 400, "non è ammesso per il servizio"},
		{"PrepareTooLarge", giulia, "POST", d + "/attachments", ct, `{"fileName":"isee.pdf","mediaType":"application/pdf","size":10485761}`, nil, 413, "supera la dimensione massima ammessa (10 MB)"},
		{"PrepareEmpty", giulia, "POST", d + "/attachments", ct, `{"fileName":"isee.pdf","mediaType":"application/pdf","size":0}`, nil, 400, "Il file è vuoto"},
		{"PrepareNegativeSize", giulia, "POST", d + "/attachments", ct, `{"fileName":"isee.pdf","mediaType":"application/pdf","size":-5}`, nil, 400, "Il file è vuoto"},
		{"PrepareForSubmitted", giulia, "POST", apps + "/" + sent.ID + "/attachments", ct, `{"fileName":"isee.pdf","mediaType":"application/pdf","size":100}`, nil, 409, "non si possono aggiungere allegati"},
		{"ConfirmUnknown", giulia, "POST", d + "/attachments/" + strings.Repeat("b", 26) + "/confirmation", ct, `{}`, nil, 404, "L'allegato richiesto non esiste"},
		{"ReuseUnknown", giulia, "POST", d + "/attachments/" + strings.Repeat("b", 26) + "/confirmation", ct, `{"reuse":true}`, nil, 404, "L'allegato richiesto non esiste"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := tt.who.raw(tt.method, tt.target, tt.contentType, tt.body, tt.header)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus {
				t.Fatalf("got %d, want %d\n%.600s", status, tt.wantStatus, body)
			}
			// A problem's detail is compared as text, not as JSON.
			var p struct{ Detail string }
			_ = json.Unmarshal([]byte(body), &p)
			if !strings.Contains(body, tt.wantText) && !strings.Contains(p.Detail, tt.wantText) {
				t.Errorf("the answer does not say %q:\n%.600s", tt.wantText, body)
			}
		})
	}

	t.Run("FieldErrorsInEnglish", func(t *testing.T) {
		status, body, err := giulia.raw("POST", d+"/submission", ct, `{"confirmed":true}`,
			map[string]string{"Idempotency-Key": "k-en", "Accept-Language": "en"})
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Status int
			Detail string
			Errors []struct{ Path, Message string }
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil || status != 400 || p.Status != 400 {
			t.Fatalf("got %d %v\n%.600s", status, err, body)
		}
		if !strings.HasPrefix(p.Detail, "Form fields to correct: ") || len(p.Errors) == 0 {
			t.Fatalf("the problem should list the fields in English: %s", body)
		}
		for _, e := range p.Errors {
			if e.Path == "" || e.Message == "" || strings.Contains(e.Message, "obbligatorio") {
				t.Errorf("field error not in English or without a path: %+v", e)
			}
		}
		if !strings.Contains(body, "child_name") {
			t.Errorf("the missing child's name is not among the errors: %s", body)
		}
	})

	t.Run("WithdrawTwice", func(t *testing.T) {
		status, body, err := giulia.raw("POST", apps+"/"+sent.ID+"/withdrawal", ct, `{"note":"Ho trovato posto altrove."}`, nil)
		if err != nil || status != 200 {
			t.Fatalf("withdraw: %d %v %s", status, err, body)
		}
		status, body, err = giulia.raw("POST", apps+"/"+sent.ID+"/withdrawal", ct, `{}`, nil)
		if err != nil || status != 409 || !strings.Contains(body, "non è possibile per una pratica nello stato «Ritirata»") {
			t.Fatalf("withdraw again: got %d %v, want 409\n%s", status, err, body)
		}
	})

	// A file whose bytes are not of the declared type is refused at
	// confirmation and deleted, with its record.
	t.Run("BytesNotOfTheDeclaredType", func(t *testing.T) {
		fake := "GIF89a" + strings.Repeat("x", 20)
		p := prepare(t, giulia, apps, draft.ID, "isee.pdf", "application/pdf", len(fake))
		if st := upload(t, p, fake); st/100 != 2 {
			t.Fatalf("upload: %d", st)
		}
		confirm := d + "/attachments/" + p.Attachment.ID + "/confirmation"
		resp, body := giulia.api("POST", confirm, `{}`)
		expect(t, "confirm", resp, body, 400)
		if !strings.Contains(body, "non è di tipo PDF, come dichiarato: il file è stato scartato") {
			t.Errorf("confirm: %s", body)
		}
		resp, body = giulia.api("POST", confirm, `{}`)
		expect(t, "confirm again", resp, body, 404)
		resp, body = giulia.api("GET", base+"/api/v1/me/attachments", "")
		expect(t, "my attachments", resp, body, 200)
		if strings.Contains(body, p.Attachment.ID) {
			t.Errorf("the refused file is among the citizen's attachments: %s", body)
		}
		resp, body = giulia.api("GET", d, "")
		expect(t, "draft", resp, body, 200)
		if strings.Contains(body, p.Attachment.ID) {
			t.Errorf("the refused file is linked to the draft: %s", body)
		}
	})

	// The signed upload admits exactly the declared size.
	t.Run("UploadLargerThanDeclared", func(t *testing.T) {
		p := prepare(t, giulia, apps, draft.ID, "isee.pdf", "application/pdf", len(testPDF))
		if st := upload(t, p, testPDF+strings.Repeat(" ", 1000)); st/100 != 4 {
			t.Errorf("an upload larger than declared: got %d, want 4xx", st)
		}
		resp, body := giulia.api("POST", d+"/attachments/"+p.Attachment.ID+"/confirmation", `{}`)
		expect(t, "confirm", resp, body, 409)
		if !strings.Contains(body, "non risulta caricato") {
			t.Errorf("confirm: %s", body)
		}
	})

	t.Run("ConfirmBeforeUpload", func(t *testing.T) {
		p := prepare(t, giulia, apps, draft.ID, "isee.pdf", "application/pdf", len(testPDF))
		resp, body := giulia.api("POST", d+"/attachments/"+p.Attachment.ID+"/confirmation", `{}`)
		expect(t, "confirm", resp, body, 409)
		if !strings.Contains(body, "Il file non risulta caricato: caricalo e riprova") {
			t.Errorf("confirm: %s", body)
		}
	})

	// Another citizen's attachment does not exist for Luca, whether he
	// confirms it on his draft or reuses it.
	t.Run("OthersAttachment", func(t *testing.T) {
		p := prepare(t, giulia, apps, draft.ID, "isee.pdf", "application/pdf", len(testPDF))
		if st := upload(t, p, testPDF); st/100 != 2 {
			t.Fatalf("upload: %d", st)
		}
		resp, body := giulia.api("POST", d+"/attachments/"+p.Attachment.ID+"/confirmation", `{}`)
		expect(t, "confirm", resp, body, 200)
		for _, reuse := range []string{`{"reuse":true}`, `{}`} {
			resp, body = luca.api("POST", apps+"/"+lucaDraft.ID+"/attachments/"+p.Attachment.ID+"/confirmation", reuse)
			expect(t, "Luca takes Giulia's file "+reuse, resp, body, 404)
			if !strings.Contains(body, "L'allegato richiesto non esiste") {
				t.Errorf("%s: %s", reuse, body)
			}
		}
		resp, body = luca.api("GET", apps+"/"+lucaDraft.ID, "")
		expect(t, "Luca's draft", resp, body, 200)
		if strings.Contains(body, p.Attachment.ID) {
			t.Errorf("Giulia's file is linked to Luca's draft: %s", body)
		}
	})

	// The water meter reading takes one photo.
	t.Run("TooManyFiles", func(t *testing.T) {
		reading := startDraft(t, giulia, apps, "autolettura-contatore-acqua")
		photo := "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 40)
		p := prepare(t, giulia, apps, reading.ID, "contatore.png", "image/png", len(photo))
		if st := upload(t, p, photo); st/100 != 2 {
			t.Fatalf("upload: %d", st)
		}
		resp, body := giulia.api("POST", apps+"/"+reading.ID+"/attachments/"+p.Attachment.ID+"/confirmation", `{}`)
		expect(t, "confirm", resp, body, 200)
		resp, body = giulia.api("POST", apps+"/"+reading.ID+"/attachments", fmt.Sprintf(`{"fileName":"altra.png","mediaType":"image/png","size":%d}`, len(photo)))
		expect(t, "a second photo", resp, body, 400)
		if !strings.Contains(body, "numero massimo di allegati (1)") {
			t.Errorf("a second photo: %s", body)
		}
	})
}

// TestApplicationsRefuseCitizensNotReady checks the conditions of a
// service before a draft starts: the sign-in level, the Comune's terms,
// the complete profile, each refused with what to do.
func TestApplicationsRefuseCitizensNotReady(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	apps := base + "/api/v1/tenants/esempio/applications"

	anna := newBrowser(t)
	signIn(t, anna, base, base+"/_testidp/metadata", "spid-l1", "TSTIDP0000001")
	anna.session(base)
	steps := []struct {
		name       string
		before     func()
		service    string
		wantStatus int
		wantText   string
	}{
		{"LevelBelowTheService", nil, "iscrizione-asilo-nido", 403, "richiede un accesso di livello spid-l2: accedi di nuovo con SPID o CIE"},
		{"TermsNotAccepted", nil, "autolettura-contatore-acqua", 403, "devi prima leggere e accettare le condizioni d'uso"},
		{"ProfileIncomplete", func() {
			resp, body := anna.api("GET", base+"/api/v1/tenants/esempio/terms", "")
			expect(t, "terms", resp, body, 200)
			var terms struct{ Version int }
			if err := json.Unmarshal([]byte(body), &terms); err != nil {
				t.Fatal(err)
			}
			resp, body = anna.api("POST", base+"/api/v1/tenants/esempio/terms/acceptances", fmt.Sprintf(`{"version":%d}`, terms.Version))
			expect(t, "accept terms", resp, body, 200)
		}, "autolettura-contatore-acqua", 403, "completa il tuo profilo"},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		resp, body := anna.api("POST", apps, fmt.Sprintf(`{"service":%q}`, st.service))
		if resp.StatusCode != st.wantStatus || !strings.Contains(body, st.wantText) {
			t.Errorf("%s: got %s, want %d saying %q\n%s", st.name, resp.Status, st.wantStatus, st.wantText, body)
		}
	}
	resp, body := anna.api("GET", apps+"?group=bozze", "")
	expect(t, "drafts", resp, body, 200)
	if !strings.Contains(body, `"items":[]`) {
		t.Errorf("a refused start left a draft: %s", body)
	}
}

// TestConcurrentSubmissions submits one draft 50 times at once: with
// distinct keys exactly one wins and the others are told it was sent; with
// one key all get the same application. Either way it is submitted once.
func TestConcurrentSubmissions(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	apps := base + "/api/v1/tenants/esempio/applications"
	giulia := readyCitizen(t, base, "TSTIDP0000005", "giulia.bellandi@example.org")

	const n = 50
	burst := func(id string, keyOf func(i int) string) (statuses map[int]int, bodies []string) {
		t.Helper()
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		statuses = map[int]int{}
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, body, err := giulia.raw("POST", apps+"/"+id+"/submission", "application/json", `{"confirmed":true}`, map[string]string{"Idempotency-Key": keyOf(i)})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				statuses[status]++
				if status == 200 {
					bodies = append(bodies, body)
				} else if status != 409 || !strings.Contains(body, "La pratica è già stata inviata.") {
					errs = append(errs, fmt.Errorf("%d %s", status, body))
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		return statuses, bodies
	}
	submittedOnce := func(id string) {
		t.Helper()
		resp, body := giulia.api("GET", apps+"/"+id, "")
		expect(t, "detail", resp, body, 200)
		if a := decodeApp(t, body); a.Status == 1000 || submissions(a) != 1 {
			t.Errorf("got status %d with %d submissions, want one submission: %s", a.Status, submissions(a), body)
		}
	}

	t.Run("DistinctKeys", func(t *testing.T) {
		draft := completeDraft(t, giulia, apps)
		statuses, bodies := burst(draft.ID, func(i int) string { return fmt.Sprintf("chiave-%d", i) })
		if statuses[200] != 1 || statuses[409] != n-1 {
			t.Errorf("got %v, want one 200 and %d 409", statuses, n-1)
		}
		for _, b := range bodies {
			if a := decodeApp(t, b); a.ID != draft.ID || a.Status != 2000 {
				t.Errorf("the winner got %s", b)
			}
		}
		submittedOnce(draft.ID)
	})

	t.Run("SameKey", func(t *testing.T) {
		draft := completeDraft(t, giulia, apps)
		statuses, bodies := burst(draft.ID, func(int) string { return "una-chiave" })
		if statuses[200] != n {
			t.Errorf("got %v, want %d 200", statuses, n)
		}
		for _, b := range bodies {
			if a := decodeApp(t, b); a.ID != draft.ID || a.Status < 2000 {
				t.Errorf("got %s", b)
			}
		}
		submittedOnce(draft.ID)
	})

	resp, body := giulia.api("GET", apps+"?group=bozze", "")
	expect(t, "drafts", resp, body, 200)
	var list struct{ Items []appState }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 0 {
		t.Errorf("drafts left after the submissions: %v %s", err, body)
	}
}
