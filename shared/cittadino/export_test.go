package cittadino

import "time"

// SetClock makes s read the time from now, so that tests can move it.
func SetClock(s *AccountService, now func() time.Time) { s.now = now }
