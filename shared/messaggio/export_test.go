package messaggio

import "time"

// WithClock sets the store's time source, for tests that order messages.
func (s *Store) WithClock(now func() time.Time) *Store { s.now = now; return s }

// WithPage sets the size of a page, for tests that walk pages.
func (s *Store) WithPage(n int) *Store { s.page = n; return s }
