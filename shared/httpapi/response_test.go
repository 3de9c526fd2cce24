package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/fileblob"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/risposta"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/tenant"
	"github.com/stanzaportal/stanza/shared/worker"
)

// titled gives every service the same title and no protocol registration.
type titled struct{}

func (titled) Service(context.Context, string, string) (seguito.Service, error) {
	return seguito.Service{Title: "Iscrizione all'asilo nido"}, nil
}

func TestCitizenDownloadsResponseOnceIssued(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	if err := seed.Demo(ctx, db); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts, err := cittadino.NewAccountService(db, mail.New(localmail.New(db), db), cittadino.Verification{
		Key: []byte("httpapi_test: the key of verification links"), BaseURL: portalURL, PortalName: "Stanza"})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := fileblob.Open(t.TempDir(), "http://127.0.0.1/_blob", bytes.Repeat([]byte("s"), 32))
	if err != nil {
		t.Fatal(err)
	}
	archive := blob.NewBucket(fb)
	apps := pratica.NewStore(db)
	sessions := session.NewStore(db)
	h := httpapi.NewServer(httpapi.Deps{Log: quiet, DB: db, Sessions: sessions, Applications: apps, Archive: archive}).Handler(routes.Functions...)
	api := accountAPI{sessions: sessions, accounts: accounts, h: h}
	mario := api.signIn(t, citizenL2)
	other := api.signIn(t, auth.Principal{Role: routes.Citizen, Subject: "BNCLRA85M41F205X", Level: auth.SpidL2})

	citizen := pratica.ActorOf(citizenL2)
	operator := pratica.Actor{Role: pratica.Operator, Subject: "anna", Services: []string{"iscrizione-asilo-nido"}}
	d, _, err := apps.Start(ctx, "esempio", citizen, "iscrizione-asilo-nido", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apps.Submit(ctx, "esempio", citizen, d.ID, "key-1", json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := apps.Apply(ctx, "esempio", operator, d.ID, pratica.TakeInCharge, pratica.Input{}); err != nil {
		t.Fatal(err)
	}
	target := "/api/v1/tenants/esempio/applications/" + d.ID + "/response"
	if w := api.call(t, mario, "GET", target, ""); w.Code != http.StatusConflict {
		t.Errorf("before the decision: got %d, want 409", w.Code)
	}

	if _, err := apps.Apply(ctx, "esempio", operator, d.ID, pratica.Reject, pratica.Input{Note: "Manca l'ISEE."}); err != nil {
		t.Fatal(err)
	}
	if w := api.call(t, mario, "GET", target, ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "in preparazione") {
		t.Errorf("before the worker: got %d %s, want 404 in preparation", w.Code, w.Body)
	}

	w := worker.New(db, quiet, risposta.NewHandler(seguito.Deps{DB: db, Apps: apps, Comuni: tenant.NewDirectory(db),
		Services: titled{}, Accounts: accounts, Archive: archive, Log: quiet}))
	for {
		changes, err := db.Feed().Changes(ctx, "worker", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) == 0 {
			break
		}
		if _, err := w.ProcessBatch(ctx, changes); err != nil {
			t.Fatal(err)
		}
		if err := db.Feed().Checkpoint(ctx, "worker", changes[len(changes)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}

	got := api.call(t, mario, "GET", target, "")
	if got.Code != http.StatusFound || !strings.HasPrefix(got.Header().Get("Location"), "http://127.0.0.1/_blob/") {
		t.Fatalf("after the worker: got %d Location %q, want a redirect to file storage", got.Code, got.Header().Get("Location"))
	}
	r, _, err := archive.Get(ctx, risposta.ArchiveKey("esempio", d.ID), nil)
	if err != nil {
		t.Fatalf("the archive lacks the response: %v", err)
	}
	defer r.Close()
	if pdf, _ := io.ReadAll(r); !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Error("the archived response is not a PDF")
	}
	if w := api.call(t, other, "GET", target, ""); w.Code != http.StatusNotFound {
		t.Errorf("another citizen: got %d, want 404", w.Code)
	}
}
