package portal

import (
	"context"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/servizio"
)

// services tells the follow-up handlers what they need of a service.
type services struct{ catalogs *servizio.Catalogs }

func (s services) Service(ctx context.Context, tenant, slug string) (seguito.Service, error) {
	cat := s.catalogs.Of(tenant)
	svc, err := cat.Service(ctx, slug)
	if err != nil {
		return seguito.Service{}, err
	}
	def, form, err := cat.Definition(ctx, slug)
	if err != nil {
		return seguito.Service{}, err
	}
	return seguito.Service{Title: svc.Title, ProtocolRequired: def.Settings.ProtocolRequired, Form: form}, nil
}

// attachments describes an application's files for its receipt.
type attachments struct{ files *allegato.Store }

func (a attachments) Of(ctx context.Context, app pratica.Application) ([]ricevuta.Attachment, error) {
	list, err := a.files.OfApplication(ctx, app)
	if err != nil {
		return nil, err
	}
	out := make([]ricevuta.Attachment, len(list))
	for i, f := range list {
		out[i] = ricevuta.Attachment{ID: f.ID, Name: f.Name, Size: f.Size, SHA256: f.SHA256}
	}
	return out, nil
}
