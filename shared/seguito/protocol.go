package seguito

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/store"
)

// Protocol is the handler that registers submitted applications, and
// integrations, in the Comune's protocol, for the services that require
// it, and then moves them to registered with the number.
type Protocol struct {
	d        Deps
	registry protocollo.Registry
}

// NewProtocol returns the handler. It calls the register through
// protocollo.WithRetry, so that a short outage costs a pause rather than
// a redelivery.
func NewProtocol(d Deps) *Protocol {
	b := d.Backoff
	if b.Attempts == 0 {
		b = protocollo.DefaultBackoff
	}
	return &Protocol{d: d, registry: protocollo.WithRetry(d.Registry, b)}
}

// Name implements worker.Handler.
func (h *Protocol) Name() string { return "pratica-protocol" }

// Handle implements worker.Handler.
func (h *Protocol) Handle(ctx context.Context, ch store.Change) error {
	before, after, ok, err := applications(ch)
	if err != nil || !ok || !entered(before, after) {
		return err
	}
	switch after.Status {
	case pratica.Submitted, pratica.IntegrationSubmitted:
		return settle(h.d.Log, h.Name(), after, h.register(ctx, *after))
	}
	return nil
}

// register registers a, just submitted or integrated, and performs the
// register transition.
func (h *Protocol) register(ctx context.Context, a pratica.Application) error {
	svc, err := h.d.Services.Service(ctx, a.Tenant, a.Service)
	if err != nil || !svc.ProtocolRequired {
		return err
	}
	kind, event, round := protocollo.Application, pratica.Register, 1
	if a.Status == pratica.IntegrationSubmitted {
		kind, event, round = protocollo.Integration, pratica.RegisterIntegration, performed(a, pratica.SubmitIntegration)
	}
	s, digest, err := h.document(ctx, a, kind)
	if err != nil {
		return err
	}
	reg, err := h.registry.Register(ctx, protocollo.Request{
		ID:             fmt.Sprintf("%s/%s/%d", a.ID, kind, round),
		Tenant:         a.Tenant,
		Kind:           kind,
		Subject:        fmt.Sprintf("%s: pratica %s", s.Service, a.ID),
		Applicant:      fmt.Sprintf("%s (%s)", s.Applicant.Name, s.Applicant.FiscalCode),
		DocumentDigest: digest,
	})
	if err != nil && !protocollo.Retryable(err) {
		// A request the register refuses is refused again next time.
		return fault.Wrap(err, fault.Invalid, "seguito: the register refused %s", a.ID)
	}
	if err != nil {
		return err
	}
	in := pratica.Input{Protocol: &pratica.Protocol{Number: reg.Number, At: reg.At}}
	_, err = h.d.Apps.Apply(ctx, a.Tenant, pratica.SystemActor, a.ID, event, in)
	if !fault.Is(err, fault.Conflict) {
		return err
	}
	now, gerr := h.d.Apps.Get(ctx, a.Tenant, pratica.SystemActor, a.ID)
	switch {
	case gerr != nil:
		return gerr
	case performed(now, event) >= round:
		return nil // registered by an earlier delivery of this change
	case now.Status == a.Status:
		return err // contended: try again
	}
	// The application moved on unregistered (withdrawn, taken in charge):
	// the number stays in the register, the transition is no longer there
	// to make.
	h.d.Log.Warn("application moved on before its registration", slog.String("tenant", a.Tenant),
		slog.String("application", a.ID), slog.String("protocol", reg.Number), slog.Int("status", int(now.Status)))
	return nil
}

// document returns the submission that kind registers and its digest: the
// frozen one of the receipt for the application, the application as it is
// now for an integration, whose attachments may have grown.
func (h *Protocol) document(ctx context.Context, a pratica.Application, kind protocollo.Kind) (ricevuta.Submission, string, error) {
	if kind == protocollo.Application {
		r, err := frozen(ctx, h.d, a)
		return r.Submission, r.Digest, err
	}
	s, err := submission(ctx, h.d, a)
	if err != nil {
		return ricevuta.Submission{}, "", err
	}
	r, err := ricevuta.Render(s)
	return s, r.Digest, err
}

// performed is how many times ev happened to a.
func performed(a pratica.Application, ev pratica.Event) int {
	n := 0
	for _, e := range a.History {
		if e.Event == ev {
			n++
		}
	}
	return n
}
