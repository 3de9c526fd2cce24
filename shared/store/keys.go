package store

import (
	"crypto/rand"
	"encoding/base32"
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
