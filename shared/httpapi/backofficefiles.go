package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/seguito"
)

// backofficeFileEndpoints let operators download what came with an
// application they may see, the receipt and the citizen's attachments, as
// partner systems can. Each answer redirects to a short-lived signed link,
// so the bytes come straight from file storage; each is audited as a read
// of personal data.
func (s *Server) backofficeFileEndpoints() map[string]Endpoint {
	if s.deps.Applications == nil || s.deps.Archive == nil || s.deps.Attachments == nil {
		return nil
	}
	const base = "GET /api/v1/tenants/{tenant}/backoffice/applications/{application}/"
	return map[string]Endpoint{
		base + "receipt": {Produces: "application/pdf", Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
			a, err := s.staffApplication(r)
			if err != nil {
				return err
			}
			return s.redirectToReceipt(w, r, a)
		})},
		base + "attachments/{attachment}": {Produces: "application/octet-stream", Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
			a, err := s.staffApplication(r)
			if err != nil {
				return err
			}
			return s.redirectToAttachment(w, r, a)
		})},
	}
}

// staffApplication returns the application of the request, absent for an
// operator who may not see it.
func (s *Server) staffApplication(r *http.Request) (pratica.Application, error) {
	p := auth.FromContext(r.Context())
	a, err := s.deps.Applications.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
	return a, unseen(err)
}

// redirectToReceipt sends the caller to the receipt of a, once the worker
// has archived it.
func (s *Server) redirectToReceipt(w http.ResponseWriter, r *http.Request, a pratica.Application) error {
	rec, err := seguito.ReceiptOf(r.Context(), s.deps.DB, a.Tenant, a.ID)
	if fault.Is(err, fault.NotFound) || (err == nil && rec.Key == "") {
		return fault.New(fault.NotFound, "La ricevuta è in preparazione: riprova tra qualche istante.")
	}
	if err != nil {
		return err
	}
	return s.redirectToArchived(w, r, rec.Key, "ricevuta-"+a.ID+".pdf")
}

// redirectToArchived sends the caller to a short-lived signed link to the
// archived file at key, to be saved as name: the bytes come straight from
// file storage, as every download's do.
func (s *Server) redirectToArchived(w http.ResponseWriter, r *http.Request, key, name string) error {
	down, err := s.deps.Archive.SignedDownload(r.Context(), key, name, receiptLinkTTL)
	if err != nil {
		return err
	}
	http.Redirect(w, r, down.URL, http.StatusFound)
	return nil
}

// redirectToAttachment sends the caller to the attachment of a the path
// names, through a short-lived signed link.
func (s *Server) redirectToAttachment(w http.ResponseWriter, r *http.Request, a pratica.Application) error {
	down, err := s.deps.Attachments.DownloadOf(r.Context(), a, r.PathValue("attachment"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, down.URL, http.StatusFound)
	return nil
}
