package store

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var randomID = regexp.MustCompile(`^[a-z2-7]{26}$`)

// NewID returns 128 random bits in lower-case base32: 26 characters that
// are safe in keys and URLs, and that nobody can guess (application and
// attachment ids are shown in URLs and must not be enumerable).
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails: see crypto/rand.Read
	return idEncoding.EncodeToString(b)
}

// IsID reports whether s has the form of an id from NewID.
func IsID(s string) bool { return randomID.MatchString(s) }

// TimeKey writes t so that sort keys order by time: UTC, fixed width, to
// the nanosecond.
func TimeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// Decode unmarshals the JSON documents of items, in order. The store never
// looks inside Data; every record of the portal is a JSON document by
// convention, and this is the one place that reads a page of them.
func Decode[T any](items []Item) ([]T, error) {
	out := make([]T, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it.Data, &out[i]); err != nil {
			return nil, fmt.Errorf("store: %s/%s: %w", it.Key.PK, it.Key.SK, err)
		}
	}
	return out, nil
}
