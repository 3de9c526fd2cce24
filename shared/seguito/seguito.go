// Package seguito is what follows a citizen's submission, driven by the
// store's change feed: the receipt PDF in the archive, the registration in
// the Comune's protocol and the email notices of each status change. Each
// is a worker.Handler; a request only writes the application, and these
// handlers do the rest, once per change.
//
// # Repeating is harmless
//
// The feed delivers at least once and the worker skips a change a handler
// has handled, except after a crash between the handler's effect and the
// worker's marker. So every effect here is keyed by what it is about, never
// by when it runs:
//
//   - the receipt is stored under a key derived from the application id,
//     rendered from a submission frozen once (see Receipt), so a second
//     rendering writes the same bytes;
//   - the protocol request id is "<application id>/<kind>/<round>", which
//     the register answers with the number it gave the first time, and the
//     register transition that finds the application registered already is
//     a success;
//   - a notice's message id is "pratica/<application id>/<history
//     index>-<status code>", which the Mailer sends once.
//
// # Failures
//
// A failure that may pass (a store or register unavailable, a conflicting
// write) returns an error, and the change comes again with the worker's
// backoff. A failure that cannot pass (a record that breaks a rule, a
// register refusing the request) is logged as an error and the change is
// let go: returning it would hold back every later change of the feed
// forever. The application then stays where it is (submitted, without a
// number) for the operators to see.
package seguito

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/tenant"
	"github.com/stanzaportal/stanza/shared/worker"
)

// Service is what the handlers need to know of a service.
type Service struct {
	Title            string
	ProtocolRequired bool
	// Form labels the answers of the receipt; nil prints the data's keys.
	Form *formio.Form
}

// Services looks services up. It returns a NotFound error for a service the
// Comune does not have.
type Services interface {
	Service(ctx context.Context, tenant, slug string) (Service, error)
}

// Accounts looks citizens up by fiscal code; *cittadino.AccountService is
// one. It returns a NotFound error for a fiscal code without an account.
type Accounts interface {
	Get(ctx context.Context, fiscalCode string) (cittadino.Account, error)
}

// Attachments describes the files of an application for its receipt.
type Attachments interface {
	// Of returns the attachments whose ids are in a.Attachments, in that
	// order, with their SHA-256.
	Of(ctx context.Context, a pratica.Application) ([]ricevuta.Attachment, error)
}

// Deps are what the handlers work with; every field is required except
// Backoff.
type Deps struct {
	DB          *store.DB
	Apps        *pratica.Store
	Comuni      *tenant.Directory
	Services    Services
	Accounts    Accounts
	Attachments Attachments
	Archive     *blob.Bucket // where receipts are kept
	Registry    protocollo.Registry
	// Backoff spaces the retries of a registration; zero means
	// protocollo.DefaultBackoff.
	Backoff protocollo.Backoff
	Mailer  *mail.Mailer
	// BaseURL is the portal's public address, without a trailing slash:
	// notices link to BaseURL + "/pratiche/<id>".
	BaseURL string
	Log     *slog.Logger
}

// Handlers returns the handlers of what follows a submission, in the order
// the worker should run them: the receipt first, so that the register gets
// the submission the receipt froze without freezing it itself.
func Handlers(d Deps) []worker.Handler {
	return []worker.Handler{NewReceipts(d), NewProtocol(d), NewNotices(d)}
}

// applications returns the application before and after ch, or ok false
// when ch is not the write of an application. before is nil for a created
// application, after for a deleted one.
func applications(ch store.Change) (before, after *pratica.Application, ok bool, err error) {
	_, pk, isTenant := store.TenantOf(ch.Key.PK)
	if !isTenant || !strings.HasPrefix(pk, "application#") || ch.Key.SK != "application" {
		return nil, nil, false, nil
	}
	if before, err = decode(ch.Old); err != nil {
		return nil, nil, false, err
	}
	if after, err = decode(ch.New); err != nil {
		return nil, nil, false, err
	}
	return before, after, true, nil
}

func decode(it *store.Item) (*pratica.Application, error) {
	if it == nil {
		return nil, nil
	}
	var a pratica.Application
	if err := json.Unmarshal(it.Data, &a); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "seguito: application %s is unreadable", it.Key.PK)
	}
	a.Version = it.Version
	return &a, nil
}

// statusOf is the status of a, or 0 for none.
func statusOf(a *pratica.Application) pratica.Status {
	if a == nil {
		return 0
	}
	return a.Status
}

// entered reports whether the change moved the application into a new
// status, rather than rewriting it in the same one.
func entered(before, after *pratica.Application) bool {
	return after != nil && statusOf(before) != after.Status
}

// settle decides what a handler's error becomes: nil stays nil, a failure
// that cannot pass is logged and let go (see Failures in the package
// doc), anything else comes back so that the change is delivered again.
func settle(log *slog.Logger, handler string, a *pratica.Application, err error) error {
	if err == nil || !permanent(err) {
		return err
	}
	log.Error("change let go", slog.String("handler", handler), slog.String("tenant", a.Tenant),
		slog.String("application", a.ID), slog.String("error", err.Error()))
	return nil
}

// permanent reports whether err will come again however often the change
// does: a record or a request that breaks a rule, a record that is gone.
func permanent(err error) bool {
	switch fault.CodeOf(err) {
	case fault.Invalid, fault.NotFound:
		return true
	}
	return false
}

// applicantName is the citizen's name as documents print it.
func applicantName(a cittadino.Account) string {
	return strings.TrimSpace(a.Name + " " + a.FamilyName)
}
