package cittadino

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Terms is one version of a Comune's terms of use.
type Terms struct {
	Tenant      string    `json:"tenant"`
	Version     int       `json:"version"` // 1, 2, ...
	Text        string    `json:"text"`    // plain text or simple Markdown
	PublishedAt time.Time `json:"publishedAt"`
}

// Acceptance records that a citizen accepted a version of a Comune's terms.
type Acceptance struct {
	Tenant     string    `json:"tenant"`
	Version    int       `json:"version"`
	AcceptedAt time.Time `json:"acceptedAt"`
}

// MaxTermsRunes bounds the text of the terms: ten dense pages.
const MaxTermsRunes = 50000

// Terms keys. Version numbers are zero-padded so that sort-key order is
// version order, and the current version is the last item of the partition.
const (
	termsPK       = "terms"
	versionPrefix = "version#"
)

func versionSK(v int) string { return fmt.Sprintf("%s%08d", versionPrefix, v) }

func acceptanceKey(cf, tenant string, v int) store.Key {
	return store.Key{PK: partitionOf(cf), SK: fmt.Sprintf("terms#%s#%08d", tenant, v)}
}

// TermsPending is the cause of the error MustAcceptTerms returns: the
// version the citizen must accept before going on.
type TermsPending struct {
	Tenant  string
	Version int
}

func (e *TermsPending) Error() string {
	return fmt.Sprintf("cittadino: the terms of %s, version %d, are not accepted", e.Tenant, e.Version)
}

// TermsService keeps the terms of use and their acceptances.
//
// There is no separate pointer to the current version: it is the version
// item with the highest number, read by one query (reverse order, limit
// one). Publishing is then a single conditional put of the next number,
// and a second item that could disagree with it never exists.
type TermsService struct {
	db  *store.DB
	now func() time.Time
}

// NewTermsService returns the terms kept in db.
func NewTermsService(db *store.DB) *TermsService { return &TermsService{db: db, now: time.Now} }

func noTerms() error {
	return fault.New(fault.NotFound, "Questo Comune non ha ancora pubblicato le condizioni d'uso.")
}

// Current returns a Comune's terms in force, or a NotFound error when it
// has published none.
func (s *TermsService) Current(ctx context.Context, tenant string) (Terms, error) {
	if !store.ValidTenant(tenant) {
		return Terms{}, noTerms()
	}
	page, err := s.db.Tenant(tenant).Query(ctx, store.Query{PK: termsPK, Prefix: versionPrefix, Reverse: true, Limit: 1}, "")
	if err != nil {
		return Terms{}, err
	}
	if len(page.Items) == 0 {
		return Terms{}, noTerms()
	}
	var t Terms
	if err := json.Unmarshal(page.Items[0].Data, &t); err != nil {
		return Terms{}, fmt.Errorf("cittadino: terms of %s: %w", tenant, err)
	}
	return t, nil
}

// Publish makes text the Comune's terms in force, as the next version, so
// that every citizen is asked to accept it again. Publishing the text in
// force again changes nothing, so a repeated request does not ask citizens
// twice.
func (s *TermsService) Publish(ctx context.Context, tenant, text string) (Terms, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return Terms{}, fault.New(fault.Invalid, "Il testo delle condizioni d'uso è obbligatorio.")
	case utf8.RuneCountInString(text) > MaxTermsRunes:
		return Terms{}, fault.New(fault.Invalid, "Il testo delle condizioni d'uso può avere al massimo %d caratteri.", MaxTermsRunes)
	case strings.ContainsFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return Terms{}, fault.New(fault.Invalid, "Il testo delle condizioni d'uso contiene caratteri non ammessi.")
	}
	cur, err := s.Current(ctx, tenant)
	switch {
	case err == nil && cur.Text == text:
		return cur, nil
	case err != nil && !fault.Is(err, fault.NotFound):
		return Terms{}, err
	}
	t := Terms{Tenant: tenant, Version: cur.Version + 1, Text: text, PublishedAt: s.now().UTC()}
	data, err := json.Marshal(t)
	if err != nil {
		return Terms{}, err
	}
	_, err = s.db.Tenant(tenant).Put(ctx, store.Item{Key: store.Key{PK: termsPK, SK: versionSK(t.Version)}, Data: data}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return Terms{}, fault.Wrap(err, fault.Conflict, "Nello stesso momento è stata pubblicata un'altra versione delle condizioni d'uso: ricarica la pagina e riprova.")
	}
	return t, err
}

// Accept records that the citizen with fiscal code cf accepts version of
// the Comune's terms, which must be the version in force (Conflict
// otherwise). Accepting twice keeps the first acceptance.
func (s *TermsService) Accept(ctx context.Context, cf, tenant string, version int) (Acceptance, error) {
	cur, err := s.Current(ctx, tenant)
	if err != nil {
		return Acceptance{}, err
	}
	if version != cur.Version {
		return Acceptance{}, fault.New(fault.Conflict, "La versione %d non è quella in vigore: leggi e accetta la versione %d delle condizioni d'uso.", version, cur.Version)
	}
	a := Acceptance{Tenant: tenant, Version: version, AcceptedAt: s.now().UTC()}
	data, err := json.Marshal(a)
	if err != nil {
		return Acceptance{}, err
	}
	k := acceptanceKey(cf, tenant, version)
	_, err = s.db.Global().Put(ctx, store.Item{Key: k, Data: data}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return s.acceptance(ctx, k)
	}
	return a, err
}

func (s *TermsService) acceptance(ctx context.Context, k store.Key) (Acceptance, error) {
	it, err := s.db.Global().Get(ctx, k)
	if err != nil {
		return Acceptance{}, err
	}
	return decodeAcceptance(it)
}

func decodeAcceptance(it store.Item) (Acceptance, error) {
	var a Acceptance
	if err := json.Unmarshal(it.Data, &a); err != nil {
		return Acceptance{}, fmt.Errorf("cittadino: acceptance %s: %w", it.Key.SK, err)
	}
	return a, nil
}

// Accepted returns the citizen's acceptance of a version of the Comune's
// terms; ok is false when there is none.
func (s *TermsService) Accepted(ctx context.Context, cf, tenant string, version int) (a Acceptance, ok bool, err error) {
	a, err = s.acceptance(ctx, acceptanceKey(cf, tenant, version))
	if fault.Is(err, fault.NotFound) {
		return Acceptance{}, false, nil
	}
	return a, err == nil, err
}

// Acceptances returns every acceptance of the citizen, in every Comune,
// ordered by Comune and version.
func (s *TermsService) Acceptances(ctx context.Context, cf string) ([]Acceptance, error) {
	var out []Acceptance
	cursor := ""
	for {
		page, err := s.db.Global().Query(ctx, store.Query{PK: partitionOf(cf), Prefix: "terms#", Limit: store.MaxQueryLimit}, cursor)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			a, err := decodeAcceptance(it)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		if page.Cursor == "" {
			return out, nil
		}
		cursor = page.Cursor
	}
}

// MustAcceptTerms returns nil when the citizen with fiscal code cf has
// accepted the Comune's terms in force (or the Comune has published none),
// and otherwise a Forbidden error whose cause is a *TermsPending naming the
// version to accept. Features call it before a citizen uses a service.
func (s *TermsService) MustAcceptTerms(ctx context.Context, cf, tenant string) error {
	cur, err := s.Current(ctx, tenant)
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, ok, err := s.Accepted(ctx, cf, tenant, cur.Version)
	if err != nil || ok {
		return err
	}
	pending := &TermsPending{Tenant: tenant, Version: cur.Version}
	older, err := s.db.Global().Query(ctx, store.Query{PK: partitionOf(cf), Prefix: "terms#" + tenant + "#", Limit: 1}, "")
	if err != nil {
		return err
	}
	if len(older.Items) > 0 {
		return fault.Wrap(pending, fault.Forbidden, "Le condizioni d'uso di questo Comune sono cambiate: per continuare leggi e accetta la nuova versione (%d).", cur.Version)
	}
	return fault.Wrap(pending, fault.Forbidden, "Per usare i servizi di questo Comune devi prima leggere e accettare le condizioni d'uso (versione %d).", cur.Version)
}
