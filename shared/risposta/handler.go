package risposta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/store"
)

// Handler is the worker handler that issues the response of every
// application that is accepted or rejected. It works with the same
// dependencies as seguito's handlers, of which it is the last.
type Handler struct {
	d        seguito.Deps
	registry protocollo.Registry
}

// NewHandler returns the handler. It calls the register through
// protocollo.WithRetry, as seguito's registration does.
func NewHandler(d seguito.Deps) *Handler {
	b := d.Backoff
	if b.Attempts == 0 {
		b = protocollo.DefaultBackoff
	}
	return &Handler{d: d, registry: protocollo.WithRetry(d.Registry, b)}
}

// Name implements worker.Handler.
func (h *Handler) Name() string { return "pratica-response" }

// Handle implements worker.Handler.
func (h *Handler) Handle(ctx context.Context, ch store.Change) error {
	_, pk, ok := store.TenantOf(ch.Key.PK)
	if !ok || !strings.HasPrefix(pk, "application#") || ch.Key.SK != "application" || ch.New == nil {
		return nil
	}
	after, err := decode(*ch.New)
	if err != nil {
		return err
	}
	if after.Status != pratica.Accepted && after.Status != pratica.Rejected {
		return nil
	}
	if ch.Old != nil {
		before, err := decode(*ch.Old)
		if err != nil || before.Status == after.Status {
			return err
		}
	}
	err = h.issue(ctx, after)
	switch fault.CodeOf(err) {
	case fault.Invalid, fault.NotFound:
		// As in seguito: a failure that comes again with every delivery is
		// logged and let go, not to hold back the rest of the feed.
		h.d.Log.Error("change let go", slog.String("handler", h.Name()), slog.String("tenant", after.Tenant),
			slog.String("application", after.ID), slog.String("error", err.Error()))
		return nil
	}
	return err
}

func decode(it store.Item) (pratica.Application, error) {
	var a pratica.Application
	if err := json.Unmarshal(it.Data, &a); err != nil {
		return a, fault.Wrap(err, fault.Invalid, "risposta: application %s is unreadable", it.Key.PK)
	}
	return a, nil
}

// issue registers, renders, stores and records a's response, unless its
// record says it is done.
func (h *Handler) issue(ctx context.Context, a pratica.Application) error {
	rec, err := h.frozen(ctx, a)
	if err != nil || rec.Key != "" {
		return err
	}
	svc, err := h.d.Services.Service(ctx, a.Tenant, a.Service)
	if err != nil {
		return err
	}
	c := rec.Content
	// A response is registered where the application was: a service whose
	// applications go to the protocol has its responses go there too.
	if svc.ProtocolRequired {
		reg, err := h.registry.Register(ctx, protocollo.Request{
			ID:             a.ID + "/response",
			Tenant:         a.Tenant,
			Kind:           protocollo.Response,
			Subject:        fmt.Sprintf("%s: risposta alla pratica %s", c.Service, a.ID),
			Applicant:      fmt.Sprintf("%s (%s)", c.Applicant.Name, c.Applicant.FiscalCode),
			DocumentDigest: rec.Digest,
		})
		if err != nil && !protocollo.Retryable(err) {
			return fault.Wrap(err, fault.Invalid, "risposta: the register refused %s", a.ID)
		}
		if err != nil {
			return err
		}
		c.Protocol, c.ProtocolAt = reg.Number, reg.At
	}
	r, err := Render(c)
	if err != nil {
		return err
	}
	key := ArchiveKey(a.Tenant, a.ID)
	if _, err := h.d.Archive.Put(ctx, key, bytes.NewReader(r.PDF), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
		return err
	}
	rec.Key, rec.Protocol, rec.ProtocolAt = key, c.Protocol, c.ProtocolAt
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// On a Conflict someone recorded meanwhile: the change comes again and
	// finds the record done.
	_, err = h.d.DB.Tenant(a.Tenant).Put(ctx, store.Item{Key: recordKey(a.ID), Data: data}, store.IfVersion(rec.version))
	return err
}

// frozen returns the response record of a, making it from a's current data
// when there is none yet.
func (h *Handler) frozen(ctx context.Context, a pratica.Application) (Record, error) {
	rec, err := Of(ctx, h.d.DB, a.Tenant, a.ID)
	if !fault.Is(err, fault.NotFound) {
		return rec, err
	}
	c, err := h.content(ctx, a)
	if err != nil {
		return Record{}, err
	}
	digest, err := c.digest()
	if err != nil {
		return Record{}, err
	}
	rec = Record{Content: c, Digest: digest}
	data, err := json.Marshal(rec)
	if err != nil {
		return Record{}, err
	}
	stored, err := h.d.DB.Tenant(a.Tenant).Put(ctx, store.Item{Key: recordKey(a.ID), Data: data}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return Of(ctx, h.d.DB, a.Tenant, a.ID) // frozen meanwhile by another delivery
	}
	if err != nil {
		return Record{}, err
	}
	rec.version = stored.Version
	return rec, nil
}

// content gathers what a's response states, as it is now.
func (h *Handler) content(ctx context.Context, a pratica.Application) (Content, error) {
	comune, err := h.d.Comuni.Get(ctx, a.Tenant)
	if err != nil {
		return Content{}, err
	}
	svc, err := h.d.Services.Service(ctx, a.Tenant, a.Service)
	if err != nil {
		return Content{}, err
	}
	account, err := h.d.Accounts.Get(ctx, a.Applicant)
	if err != nil {
		return Content{}, err
	}
	e, ok := decision(a)
	if !ok {
		return Content{}, fault.New(fault.Invalid, "risposta: application %s has no decision in its history", a.ID)
	}
	c := Content{
		Comune:        comune.Name,
		Service:       svc.Title,
		ApplicationID: a.ID,
		Applicant:     ricevuta.Applicant{Name: strings.TrimSpace(account.Name + " " + account.FamilyName), FiscalCode: a.Applicant},
		SubmittedAt:   a.SubmittedAt,
		Outcome:       a.Status,
		Motivation:    e.Note,
		DecidedAt:     e.At,
	}
	if a.Protocol != nil {
		c.ApplicationProtocol = a.Protocol.Number
	}
	if e.ResponseFile != "" {
		f, err := FileOf(ctx, h.d.DB, a.Tenant, a.ID, e.ResponseFile)
		if err != nil {
			return Content{}, err
		}
		c.File = &FileRef{Name: f.Name, SHA256: f.SHA256}
	}
	return c, nil
}
