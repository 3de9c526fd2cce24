// Package bolttest gives tests a real store: the embedded one, on a file in
// the test's temporary directory. It passes the same conformance suite as
// DynamoDB, which makes it a better stand-in than any mock.
package bolttest

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
)

// DB returns an empty store that is closed when the test ends.
func DB(tb testing.TB) *store.DB {
	tb.Helper()
	db, _ := WithDriver(tb)
	return db
}

// WithDriver is DB with its driver, for tests that sweep expired items as
// the local server does.
func WithDriver(tb testing.TB) (*store.DB, *boltstore.Store) {
	tb.Helper()
	driver, err := boltstore.Open(filepath.Join(tb.TempDir(), "stanza.db"))
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.New(driver, bytes.Repeat([]byte("k"), 32))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db, driver
}
