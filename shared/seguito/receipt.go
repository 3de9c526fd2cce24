package seguito

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/store"
)

// Receipt is the record of an application's receipt, in the Comune's scope
// beside the application: PK "application#<id>", SK "receipt".
//
// It freezes the Submission the first time a handler needs it, so that
// every rendering, before and after the protocol number, and the digest
// the register records, come from the same content even if the service's
// form labels or the citizen's name change meanwhile. It is its own item
// rather than fields of the application so that writing it neither races
// with the operators' transitions nor wakes every handler again.
type Receipt struct {
	Submission ricevuta.Submission `json:"submission"`
	Digest     string              `json:"digest"` // of Submission: see package ricevuta
	// Key is the receipt's object in the archive bucket, once stored.
	Key string `json:"key,omitempty"`
	// Protocol is the protocol number the stored PDF states, "" before the
	// registration.
	Protocol   string    `json:"protocol,omitempty"`
	ProtocolAt time.Time `json:"protocolAt,omitzero"`

	version int64
}

func receiptKey(id string) store.Key { return store.Key{PK: "application#" + id, SK: "receipt"} }

// ArchiveKey is where the receipt of application id of tenant is kept in
// the archive bucket.
func ArchiveKey(tenant, id string) string {
	return "t/" + tenant + "/applications/" + id + "/receipt.pdf"
}

// ReceiptOf returns the receipt record of application id, or a NotFound
// error before the worker has made it. Callers check first that the asker
// may see the application.
func ReceiptOf(ctx context.Context, db *store.DB, tenant, id string) (Receipt, error) {
	it, err := db.Tenant(tenant).Get(ctx, receiptKey(id))
	if err != nil {
		return Receipt{}, err
	}
	var r Receipt
	if err := json.Unmarshal(it.Data, &r); err != nil {
		return Receipt{}, fault.Wrap(err, fault.Internal, "seguito: the receipt of %s is unreadable", id)
	}
	r.version = it.Version
	return r, nil
}

// frozen returns the receipt record of a, making it from a's current data
// when there is none yet.
func frozen(ctx context.Context, d Deps, a pratica.Application) (Receipt, error) {
	r, err := ReceiptOf(ctx, d.DB, a.Tenant, a.ID)
	if !fault.Is(err, fault.NotFound) {
		return r, err
	}
	s, err := submission(ctx, d, a)
	if err != nil {
		return Receipt{}, err
	}
	rendered, err := ricevuta.Render(s)
	if err != nil {
		return Receipt{}, err
	}
	r = Receipt{Submission: s, Digest: rendered.Digest}
	data, err := json.Marshal(r)
	if err != nil {
		return Receipt{}, err
	}
	stored, err := d.DB.Tenant(a.Tenant).Put(ctx, store.Item{Key: receiptKey(a.ID), Data: data}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return ReceiptOf(ctx, d.DB, a.Tenant, a.ID) // frozen meanwhile by another handler
	}
	if err != nil {
		return Receipt{}, err
	}
	r.version = stored.Version
	return r, nil
}

// submission gathers what a's receipt states, as it is now.
func submission(ctx context.Context, d Deps, a pratica.Application) (ricevuta.Submission, error) {
	comune, err := d.Comuni.Get(ctx, a.Tenant)
	if err != nil {
		return ricevuta.Submission{}, err
	}
	svc, err := d.Services.Service(ctx, a.Tenant, a.Service)
	if err != nil {
		return ricevuta.Submission{}, err
	}
	account, err := d.Accounts.Get(ctx, a.Applicant)
	if err != nil {
		return ricevuta.Submission{}, err
	}
	ans, err := answers(svc.Form, a.Data)
	if err != nil {
		return ricevuta.Submission{}, err
	}
	files := []ricevuta.Attachment{}
	if len(a.Attachments) > 0 {
		if files, err = d.Attachments.Of(ctx, a); err != nil {
			return ricevuta.Submission{}, err
		}
	}
	return ricevuta.Submission{
		Comune:        comune.Name,
		Service:       svc.Title,
		ApplicationID: a.ID,
		SubmittedAt:   a.SubmittedAt,
		Applicant:     ricevuta.Applicant{Name: applicantName(account), FiscalCode: a.Applicant},
		Data:          a.Data,
		Answers:       ans,
		Attachments:   files,
	}, nil
}

// Receipts is the handler that keeps each submitted application's receipt
// PDF in the archive: rendered at submission, and again with the protocol
// number once the application has one.
type Receipts struct{ d Deps }

// NewReceipts returns the handler.
func NewReceipts(d Deps) *Receipts { return &Receipts{d: d} }

// Name implements worker.Handler.
func (h *Receipts) Name() string { return "pratica-receipt" }

// Handle implements worker.Handler.
func (h *Receipts) Handle(ctx context.Context, ch store.Change) error {
	before, after, ok, err := applications(ch)
	if err != nil || !ok {
		return err
	}
	submitted := after != nil && after.Status != pratica.Draft && (before == nil || before.Status == pratica.Draft)
	numbered := after != nil && after.Protocol != nil && (before == nil || before.Protocol == nil)
	if !submitted && !numbered {
		return nil
	}
	return settle(h.d.Log, h.Name(), after, h.store(ctx, *after))
}

// store renders a's receipt with the protocol number a has, unless the
// archive holds it already, and records it.
func (h *Receipts) store(ctx context.Context, a pratica.Application) error {
	r, err := frozen(ctx, h.d, a)
	if err != nil {
		return err
	}
	var number string
	var at time.Time
	if a.Protocol != nil {
		number, at = a.Protocol.Number, a.Protocol.At
	}
	// A receipt with a number is never replaced by one without: a late
	// redelivery of the submission finds the registered receipt.
	if r.Key != "" && (r.Protocol == number || number == "") {
		return nil
	}
	s := r.Submission
	s.Protocol, s.ProtocolAt = number, at
	rendered, err := ricevuta.Render(s)
	if err != nil {
		return err
	}
	key := ArchiveKey(a.Tenant, a.ID)
	if _, err := h.d.Archive.Put(ctx, key, bytes.NewReader(rendered.PDF), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
		return err
	}
	r.Key, r.Protocol, r.ProtocolAt = key, number, at
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// On a Conflict someone recorded meanwhile: the change comes again and
	// finds the record as it is now.
	_, err = h.d.DB.Tenant(a.Tenant).Put(ctx, store.Item{Key: receiptKey(a.ID), Data: data}, store.IfVersion(r.version))
	if err == nil {
		h.d.Log.Debug("receipt stored", slog.String("application", a.ID), slog.String("protocol", number))
	}
	return err
}
