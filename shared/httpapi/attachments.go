package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/pratica"
)

// PreparedUpload is an attachment waiting for its bytes, and the signed
// request with which the browser sends them straight to file storage.
type PreparedUpload struct {
	Attachment allegato.Attachment `json:"attachment"`
	Upload     blob.SignedRequest  `json:"upload"`
}

// LinkedAttachment is an attachment now part of an application, with the
// application's new version (the page needs it for its next save).
type LinkedAttachment struct {
	Attachment  allegato.Attachment `json:"attachment"`
	Application ApplicationView     `json:"application"`
}

// AttachmentList is a page of "I miei allegati".
type AttachmentList struct {
	Items  []allegato.Attachment `json:"items"`
	Cursor string                `json:"cursor,omitempty"`
}

type prepareRequest struct {
	FileName  string `json:"fileName"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
}

type confirmRequest struct {
	// Reuse links an attachment the citizen uploaded for an earlier
	// application, instead of confirming a new upload.
	Reuse bool `json:"reuse"`
}

// policyOf returns what the application's service admits as attachments.
func (s *Server) policyOf(r *http.Request, a pratica.Application) (allegato.Policy, error) {
	def, _, err := s.catalog(a.Tenant).Definition(r.Context(), a.Service)
	if err != nil {
		return allegato.Policy{}, err
	}
	at := def.Settings.Attachments
	return allegato.Policy{AllowedTypes: at.Types, MaxSize: at.MaxSize, MaxFiles: at.MaxFiles}, nil
}

func (s *Server) attachmentEndpoints() map[string]Endpoint {
	files, apps := s.deps.Attachments, s.deps.Applications
	if files == nil || apps == nil {
		return nil
	}
	return map[string]Endpoint{
		"POST /api/v1/tenants/{tenant}/applications/{application}/attachments": {
			Response: PreparedUpload{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req prepareRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				a, err := apps.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
				if err != nil {
					return err
				}
				policy, err := s.policyOf(r, a)
				if err != nil {
					return err
				}
				att, up, err := files.Prepare(r.Context(), a.Tenant, p.Subject, a.ID,
					allegato.Declared{FileName: req.FileName, MediaType: req.MediaType, Size: req.Size}, policy)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusCreated, PreparedUpload{Attachment: att, Upload: up})
				return nil
			}),
		},
		"POST /api/v1/tenants/{tenant}/applications/{application}/attachments/{attachment}/confirmation": {
			Response: LinkedAttachment{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req confirmRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				tenant, app, id := r.PathValue("tenant"), r.PathValue("application"), r.PathValue("attachment")
				var (
					att     allegato.Attachment
					updated pratica.Application
					err     error
				)
				if req.Reuse {
					a, err := apps.Get(r.Context(), tenant, pratica.ActorOf(p), app)
					if err != nil {
						return err
					}
					policy, err := s.policyOf(r, a)
					if err != nil {
						return err
					}
					att, updated, err = files.Reuse(r.Context(), tenant, p.Subject, id, app, policy)
					if err != nil {
						return err
					}
				} else if att, updated, err = files.Confirm(r.Context(), tenant, p.Subject, app, id); err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, LinkedAttachment{Attachment: att, Application: view(updated, p)})
				return nil
			}),
		},
		"GET /api/v1/me/attachments": {
			Response: AttachmentList{},
			Query:    []Param{{"cursor", "The cursor of the previous page."}},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				page, err := files.List(r.Context(), auth.FromContext(r.Context()).Subject, listPage, r.URL.Query().Get("cursor"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, AttachmentList{Items: page.Attachments, Cursor: page.Cursor})
				return nil
			}),
		},
	}
}
