package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/audit"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/fileblob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/metriche"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/worker"
)

// failingAudit fails every write of an audit entry, as an unavailable
// table would.
type failingAudit struct{ store.Driver }

func (d failingAudit) Put(ctx context.Context, it store.Item, c store.Condition) (store.Item, error) {
	if strings.Contains(it.Key.PK, "#audit#") {
		return store.Item{}, fault.New(fault.Internal, "audit table unavailable")
	}
	return d.Driver.Put(ctx, it, c)
}

// backOffice is the API over the demo Comune with its applications,
// sessions and partner keys.
type backOffice struct {
	db       *store.DB
	h        http.Handler
	sessions *session.Store
	apps     *pratica.Store
	keys     *apikey.Store
	archive  *blob.Bucket
}

func newBackOffice(t *testing.T, auditFails bool) backOffice {
	t.Helper()
	ctx := context.Background()
	driver, err := boltstore.Open(filepath.Join(t.TempDir(), "stanza.db"))
	if err != nil {
		t.Fatal(err)
	}
	var d store.Driver = driver
	if auditFails {
		d = failingAudit{driver}
	}
	db, err := store.New(d, bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := seed.Demo(ctx, db); err != nil {
		t.Fatal(err)
	}
	accounts, err := operatore.New(db, operatore.Keys{TOTP: bytes.Repeat([]byte{1}, 32), Challenges: bytes.Repeat([]byte{2}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := fileblob.Open(t.TempDir(), "http://127.0.0.1/_blob", bytes.Repeat([]byte("s"), 32))
	if err != nil {
		t.Fatal(err)
	}
	b := backOffice{db: db, sessions: session.NewStore(db), apps: pratica.NewStore(db), keys: apikey.New(db), archive: blob.NewBucket(fb)}
	s := httpapi.NewServer(httpapi.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db, Sessions: b.sessions,
		Operators: accounts, APIKeys: b.keys, Keys: b.keys, Applications: b.apps, PartnerTokenKey: partnerTokenKey, Archive: b.archive,
		Attachments: allegato.NewStore(db, b.archive, b.apps),
	})
	b.h = s.Handler(routes.Functions...)
	return b
}

func (b backOffice) submitted(t *testing.T, service string) pratica.Application {
	t.Helper()
	ctx := context.Background()
	citizen := pratica.ActorOf(mario)
	d, _, err := b.apps.Start(ctx, "esempio", citizen, service, true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.apps.Submit(ctx, "esempio", citizen, d.ID, "key-"+d.ID, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// as sends a request as p, signed in with a fresh session, from address.
func (b backOffice) as(t *testing.T, p auth.Principal, method, target, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	sess, err := b.sessions.Create(context.Background(), w, httptest.NewRequest("GET", "/", nil), p, session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.AddCookie(w.Result().Cookies()[0])
	r.Header.Set("X-CSRF-Token", sess.CSRF)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	if addr := header["remote"]; addr != "" {
		r.RemoteAddr = addr
	}
	out := httptest.NewRecorder()
	b.h.ServeHTTP(out, r)
	return out
}

func (b backOffice) auditPage(t *testing.T, query string) audit.Page {
	t.Helper()
	w := b.as(t, adminBruno, "GET", "/api/v1/tenants/esempio/admin/audit?"+query, "", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("got %d %s, want 200", w.Code, w.Body)
	}
	var p audit.Page
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func actions(p audit.Page) []string {
	var out []string
	for _, e := range p.Items {
		out = append(out, e.Role+" "+e.Subject+" "+e.Action)
	}
	return out
}

// TestAuditLogRecordsStaffActions: an operator reads and takes an
// application, a partner reads it, its citizen asks for its response; the admin finds
// the staff's actions by application and by operator, newest first, with
// the address they came from, and nothing of the citizen.
func TestAuditLogRecordsStaffActions(t *testing.T) {
	b := newBackOffice(t, false)
	app := b.submitted(t, "iscrizione-asilo-nido")
	base := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID
	if w := b.as(t, anna, "GET", base, "", map[string]string{"remote": "192.0.2.7:5555", "X-Forwarded-For": "203.0.113.9"}); w.Code != http.StatusOK {
		t.Fatalf("operator read: got %d %s", w.Code, w.Body)
	}
	if w := b.as(t, anna, "POST", base+"/transitions", `{"event":"take-in-charge"}`, nil); w.Code != http.StatusOK {
		t.Fatalf("take in charge: got %d %s", w.Code, w.Body)
	}
	if w := b.as(t, anna, "POST", base+"/transitions", `{"event":"take-in-charge"}`, nil); w.Code != http.StatusConflict {
		t.Fatalf("take again: got %d %s, want 409", w.Code, w.Body)
	}
	key, token, err := b.keys.Issue(context.Background(), "esempio", "Gestionale", []string{apikey.ScopeApplicationsRead}, "bruno")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/v1/tenants/esempio/partner/applications/"+app.ID, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	if b.h.ServeHTTP(w, r); w.Code != http.StatusOK {
		t.Fatalf("partner read: got %d %s", w.Code, w.Body)
	}
	// The citizen asks for a response not issued yet, on a route partners share.
	if w := b.as(t, mario, "GET", "/api/v1/tenants/esempio/applications/"+app.ID+"/response", "", nil); w.Code != http.StatusConflict {
		t.Fatalf("citizen's request: got %d %s, want 409", w.Code, w.Body)
	}

	byApp := b.auditPage(t, "application="+app.ID)
	transition := "POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/transitions"
	want := []string{
		"partner " + key.ID + " " + audit.ReadPersonalData,
		"operator anna " + transition,
		"operator anna " + transition,
		"operator anna " + audit.ReadPersonalData,
	}
	if got := actions(byApp); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("by application: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	read := byApp.Items[3]
	if read.Address != "192.0.2.7:5555" || read.ForwardedFor != "203.0.113.9" || read.Status != 200 || read.Tenant != "esempio" || read.Application != app.ID {
		t.Errorf("got %+v, want the operator's read from 192.0.2.7:5555 with the forwarded address aside", read)
	}
	if byApp.Items[1].Status != http.StatusConflict || byApp.Items[2].Status != http.StatusOK {
		t.Errorf("got statuses %d then %d, want 409 after 200", byApp.Items[1].Status, byApp.Items[2].Status)
	}
	if got := actions(b.auditPage(t, "operator=anna")); strings.Join(got, "\n") != strings.Join(want[1:], "\n") {
		t.Errorf("by operator: got %v, want %v", got, want[1:])
	}
	// The admin's own searches are actions too.
	if got := b.auditPage(t, "operator=bruno"); len(got.Items) != 2 || got.Items[0].Action != "GET /api/v1/tenants/{tenant}/admin/audit" {
		t.Errorf("got %v, want the admin's two searches", actions(got))
	}
}

func TestAuditSearchRefuses(t *testing.T) {
	b := newBackOffice(t, false)
	for _, c := range []struct {
		name   string
		who    auth.Principal
		query  string
		status int
	}{
		{"no filter", adminBruno, "", http.StatusBadRequest},
		{"both filters", adminBruno, "application=aaaaaaaaaaaaaaaaaaaaaaaaaa&operator=anna", http.StatusBadRequest},
		{"malformed application", adminBruno, "application=../x", http.StatusBadRequest},
		{"forged cursor", adminBruno, "operator=anna&cursor=forged", http.StatusBadRequest},
		{"an operator", anna, "operator=anna", http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if w := b.as(t, c.who, "GET", "/api/v1/tenants/esempio/admin/audit?"+c.query, "", nil); w.Code != c.status {
				t.Errorf("got %d %s, want %d", w.Code, w.Body, c.status)
			}
		})
	}
}

func TestAuditFailureDoesNotFailTheRequest(t *testing.T) {
	b := newBackOffice(t, true)
	app := b.submitted(t, "iscrizione-asilo-nido")
	if w := b.as(t, anna, "GET", "/api/v1/tenants/esempio/backoffice/applications/"+app.ID, "", nil); w.Code != http.StatusOK {
		t.Errorf("got %d %s, want the read to succeed without its audit entry", w.Code, w.Body)
	}
	if page, err := audit.New(b.db).ByApplication(context.Background(), "esempio", app.ID, ""); err != nil || len(page.Items) != 0 {
		t.Errorf("got %v, %v, want no entry: the table refused it", page.Items, err)
	}
}

// TestMetricsShowTheCallersServices: an operator sees the metrics of the
// services they work on, an admin those of every service of the Comune.
func TestMetricsShowTheCallersServices(t *testing.T) {
	b := newBackOffice(t, false)
	b.submitted(t, "iscrizione-asilo-nido")
	b.submitted(t, "iscrizione-asilo-nido")
	ctx := context.Background()
	changes, err := b.db.Feed().Changes(ctx, "metrics", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := worker.New(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), metriche.NewHandler(b.db)).ProcessBatch(ctx, changes); err != nil {
		t.Fatal(err)
	}
	get := func(p auth.Principal) httpapi.MetricsList {
		t.Helper()
		w := b.as(t, p, "GET", "/api/v1/tenants/esempio/backoffice/metrics", "", nil)
		if w.Code != http.StatusOK {
			t.Fatalf("got %d %s, want 200", w.Code, w.Body)
		}
		var out httpapi.MetricsList
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	mine := get(anna)
	if len(mine.Items) != 1 || mine.Items[0].Service != "iscrizione-asilo-nido" || mine.Items[0].ByStatus[pratica.Submitted] != 2 {
		t.Fatalf("got %+v, want the nursery's metrics with 2 submitted", mine.Items)
	}
	if m := mine.Items[0]; m.BacklogOldestAge == nil || m.MedianHours != nil || m.SubmissionsPerDay[len(m.SubmissionsPerDay)-1].Count != 2 {
		t.Errorf("got %+v, want a backlog, no conclusion yet and 2 submissions today", m)
	}
	all := get(adminBruno)
	if len(all.Items) < 2 {
		t.Fatalf("got %d services, want every service of the demo Comune", len(all.Items))
	}
	for _, m := range all.Items {
		if m.Service != "iscrizione-asilo-nido" && len(m.ByStatus) != 0 {
			t.Errorf("%s: got %v, want no applications", m.Service, m.ByStatus)
		}
	}
}
