// Package localmail is the mail adapter of the local server: messages are
// kept in the store instead of leaving the computer, and a page lists them
// so that whoever tries the portal can read what a citizen would receive
// (and follow the links in it) without any mail account.
//
// The page is a development tool: the local server mounts it at Path, and
// only in local mode. Message HTML is untrusted content (it quotes what
// citizens typed), so it is served as a separate response that the browser
// sandboxes (CSP sandbox, no scripts, no outgoing requests) and that the
// message page shows in a sandboxed frame.
package localmail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/store"
)

var _ mail.Sender = (*Mailbox)(nil)

// Path is where the local server mounts the mailbox page.
const Path = "/_mailbox/"

// partition holds every message, keyed by a time-ordered id (see the access
// patterns in package store).
const partition = "mailbox"

// MaxListed is how many messages the page lists, newest first.
const MaxListed = 100

// Mailbox keeps messages in the store.
type Mailbox struct {
	db *store.DB
}

// New returns the mailbox kept in db.
func New(db *store.DB) *Mailbox { return &Mailbox{db: db} }

// Stored is a message in the mailbox.
type Stored struct {
	mail.Message
	// Key is the message's place in the mailbox, in the order of arrival;
	// unlike Message.ID it is unique even across senders.
	Key    string    `json:"-"`
	SentAt time.Time `json:"sentAt"`
}

// newKey returns a key that sorts by time of arrival: the UTC time with
// fixed-width nanoseconds, then random bits against ties.
func newKey(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// Send stores m.
func (b *Mailbox) Send(ctx context.Context, m mail.Message) error {
	now := time.Now()
	data, err := json.Marshal(Stored{Message: m, SentAt: now.UTC()})
	if err != nil {
		return err
	}
	_, err = b.db.Global().Put(ctx, store.Item{Key: store.Key{PK: partition, SK: newKey(now)}, Data: data}, store.IfAbsent)
	return err
}

// List returns the newest messages, up to MaxListed, newest first.
func (b *Mailbox) List(ctx context.Context) ([]Stored, error) {
	page, err := b.db.Global().Query(ctx, store.Query{PK: partition, Reverse: true, Limit: MaxListed}, "")
	if err != nil {
		return nil, err
	}
	out := make([]Stored, 0, len(page.Items))
	for _, it := range page.Items {
		s, err := decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Get returns the message stored under key, or a NotFound error.
func (b *Mailbox) Get(ctx context.Context, key string) (Stored, error) {
	if !validKey.MatchString(key) {
		return Stored{}, notFound()
	}
	it, err := b.db.Global().Get(ctx, store.Key{PK: partition, SK: key})
	if fault.Is(err, fault.NotFound) {
		return Stored{}, notFound()
	}
	if err != nil {
		return Stored{}, err
	}
	return decode(it)
}

func decode(it store.Item) (Stored, error) {
	var s Stored
	if err := json.Unmarshal(it.Data, &s); err != nil {
		return Stored{}, fmt.Errorf("localmail %s: %w", it.Key.SK, err)
	}
	s.Key = it.Key.SK
	return s, nil
}

func notFound() error {
	return fault.New(fault.NotFound, "Il messaggio richiesto non è nella posta locale.")
}
