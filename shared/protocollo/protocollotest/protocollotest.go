// Package protocollotest is the conformance suite of the protocol port, run
// by every adapter's tests, and a fake external protocol system (Remote)
// that passes it, for testing the worker's retries.
package protocollotest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/protocollo"
)

// Maker returns the adapter under test, over an empty register.
type Maker func(t *testing.T) protocollo.Registry

// RunConformanceTests runs the whole suite against the registries newRegistry
// makes.
func RunConformanceTests(t *testing.T, newRegistry Maker) {
	t.Run("NumberFormat", func(t *testing.T) { testFormat(t, newRegistry) })
	t.Run("SequentialPerComuneAndYear", func(t *testing.T) { testSequential(t, newRegistry) })
	t.Run("IndependentAcrossComuniAndYears", func(t *testing.T) { testIndependent(t, newRegistry) })
	t.Run("CurrentYearByDefault", func(t *testing.T) { testDefaultYear(t, newRegistry) })
	t.Run("SameIDSameNumber", func(t *testing.T) { testSameID(t, newRegistry) })
	t.Run("ConcurrentSameIDOneNumber", func(t *testing.T) { testConcurrentSameID(t, newRegistry) })
	t.Run("ConcurrentDistinctConsecutive", func(t *testing.T) { testConcurrent(t, newRegistry) })
	t.Run("ErrConflictOtherDocument", func(t *testing.T) { testOtherDocument(t, newRegistry) })
	t.Run("ErrInvalidNotRetryable", func(t *testing.T) { testInvalid(t, newRegistry) })
}

// Request returns a valid request of tenant's register for year, named id.
func Request(tenant string, year int, id string) protocollo.Request {
	sum := sha256.Sum256([]byte(id))
	return protocollo.Request{
		ID:             id,
		Tenant:         tenant,
		Year:           year,
		Kind:           protocollo.Application,
		Subject:        "Iscrizione all'asilo nido comunale",
		Applicant:      "Mario Rossi (RSSMRA80A01H501U)",
		DocumentDigest: hex.EncodeToString(sum[:]),
	}
}

// Seq splits a protocol number into its year and sequence, failing the
// test when the number is not "YYYY/NNNNNNN".
func Seq(t *testing.T, number string) (year int, seq int64) {
	t.Helper()
	y, n, ok := strings.Cut(number, "/")
	if !ok || len(y) != 4 || len(n) != 7 {
		t.Fatalf("got number %q, want YYYY/NNNNNNN", number)
	}
	year, err1 := strconv.Atoi(y)
	seq, err2 := strconv.ParseInt(n, 10, 64)
	if err1 != nil || err2 != nil || seq < 1 {
		t.Fatalf("got number %q, want YYYY/NNNNNNN", number)
	}
	return year, seq
}

func register(t *testing.T, r protocollo.Registry, req protocollo.Request) protocollo.Registration {
	t.Helper()
	reg, err := r.Register(context.Background(), req)
	if err != nil {
		t.Fatalf("Register(%s): %v", req.ID, err)
	}
	return reg
}

func testFormat(t *testing.T, newRegistry Maker) {
	before := time.Now()
	reg := register(t, newRegistry(t), Request("bugliano", 2026, "a/application"))
	if year, _ := Seq(t, reg.Number); year != 2026 {
		t.Errorf("got year %d in %q, want 2026", year, reg.Number)
	}
	if reg.At.Before(before.Add(-time.Minute)) || reg.At.After(time.Now().Add(time.Minute)) {
		t.Errorf("got time %v, want about now", reg.At)
	}
}

func testSequential(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	_, first := Seq(t, register(t, r, Request("bugliano", 2026, "a")).Number)
	for i := 1; i < 5; i++ {
		_, seq := Seq(t, register(t, r, Request("bugliano", 2026, fmt.Sprint("b", i))).Number)
		if seq != first+int64(i) {
			t.Errorf("registration %d: got sequence %d, want %d", i, seq, first+int64(i))
		}
	}
}

func testIndependent(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	start := map[string]int64{}
	for _, c := range []struct {
		tenant string
		year   int
	}{{"bugliano", 2026}, {"bugliano", 2027}, {"vigata", 2026}} {
		_, start[fmt.Sprint(c.tenant, c.year)] = Seq(t, register(t, r, Request(c.tenant, c.year, fmt.Sprint("first-", c.year))).Number)
	}
	// Registering in one register moves no other.
	for i := range 3 {
		register(t, r, Request("bugliano", 2026, fmt.Sprint("more-", i)))
	}
	for _, c := range []struct {
		tenant string
		year   int
	}{{"bugliano", 2027}, {"vigata", 2026}} {
		reg := register(t, r, Request(c.tenant, c.year, fmt.Sprint("second-", c.year)))
		year, seq := Seq(t, reg.Number)
		if want := start[fmt.Sprint(c.tenant, c.year)] + 1; year != c.year || seq != want {
			t.Errorf("%s %d: got %q, want %d/%07d", c.tenant, c.year, reg.Number, c.year, want)
		}
	}
}

func testDefaultYear(t *testing.T, newRegistry Maker) {
	before := time.Now().In(i18n.Rome).Year()
	reg := register(t, newRegistry(t), Request("bugliano", 0, "this-year"))
	after := time.Now().In(i18n.Rome).Year()
	if year, _ := Seq(t, reg.Number); year != before && year != after {
		t.Errorf("got year %d, want the current year %d in Rome", year, after)
	}
}

func testSameID(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	first := register(t, r, Request("bugliano", 2026, "same"))
	again := register(t, r, Request("bugliano", 2026, "same"))
	if again.Number != first.Number || !again.At.Equal(first.At) {
		t.Errorf("got %+v again, want %+v", again, first)
	}
	// A retry without a year finds the registration too, whatever the year.
	if noYear := register(t, r, Request("bugliano", 0, "same")); noYear.Number != first.Number {
		t.Errorf("got %q without a year, want %q", noYear.Number, first.Number)
	}
	// The same ID in another Comune is another registration.
	if other := register(t, r, Request("vigata", 2026, "same")); other.Number == "" {
		t.Error("got no number in another Comune")
	}
	_, s1 := Seq(t, first.Number)
	_, s2 := Seq(t, register(t, r, Request("bugliano", 2026, "next")).Number)
	if s2 != s1+1 {
		t.Errorf("got sequence %d after the retries, want %d: a retry drew a number", s2, s1+1)
	}
}

func testConcurrentSameID(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	got := registerAll(t, r, 20, func(int) protocollo.Request { return Request("bugliano", 2026, "racing") })
	for i, n := range got {
		if n != got[0] {
			t.Fatalf("call %d: got %q, want %q like call 0", i, n, got[0])
		}
	}
}

func testConcurrent(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	_, before := Seq(t, register(t, r, Request("bugliano", 2026, "before")).Number)
	const n = 50
	got := registerAll(t, r, n, func(i int) protocollo.Request { return Request("bugliano", 2026, fmt.Sprint("c", i)) })
	seen := map[int64]bool{}
	for _, number := range got {
		_, seq := Seq(t, number)
		if seen[seq] {
			t.Errorf("got %q twice", number)
		}
		seen[seq] = true
	}
	for seq := before + 1; seq <= before+n; seq++ {
		if !seen[seq] {
			t.Errorf("got no registration numbered %d: the %d numbers are not consecutive", seq, n)
		}
	}
}

// registerAll makes n registrations at once and returns their numbers.
func registerAll(t *testing.T, r protocollo.Registry, n int, req func(i int) protocollo.Request) []string {
	t.Helper()
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			reg, err := r.Register(context.Background(), req(i))
			got[i], errs[i] = reg.Number, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	return got
}

func testOtherDocument(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	register(t, r, Request("bugliano", 2026, "doc"))
	other := Request("bugliano", 2026, "doc")
	other.DocumentDigest = strings.Repeat("0", 64)
	_, err := r.Register(context.Background(), other)
	if !fault.Is(err, fault.Conflict) || protocollo.Retryable(err) {
		t.Errorf("got %v, want a Conflict error that is not retryable", err)
	}
}

func testInvalid(t *testing.T, newRegistry Maker) {
	r := newRegistry(t)
	tests := []struct {
		name   string
		modify func(*protocollo.Request)
	}{
		{"ErrNoID", func(q *protocollo.Request) { q.ID = "" }},
		{"ErrIDWithSpace", func(q *protocollo.Request) { q.ID = "a b" }},
		{"ErrIDTooLong", func(q *protocollo.Request) { q.ID = strings.Repeat("a", protocollo.MaxIDBytes+1) }},
		{"ErrTenant", func(q *protocollo.Request) { q.Tenant = "Bugliano!" }},
		{"ErrYearTooEarly", func(q *protocollo.Request) { q.Year = 1999 }},
		{"ErrYearTooLate", func(q *protocollo.Request) { q.Year = 10000 }},
		{"ErrKind", func(q *protocollo.Request) { q.Kind = "memo" }},
		{"ErrNoSubject", func(q *protocollo.Request) { q.Subject = "  " }},
		{"ErrSubjectNewline", func(q *protocollo.Request) { q.Subject = "a\nb" }},
		{"ErrSubjectTooLong", func(q *protocollo.Request) { q.Subject = strings.Repeat("è", protocollo.MaxTextRunes+1) }},
		{"ErrNoApplicant", func(q *protocollo.Request) { q.Applicant = "" }},
		{"ErrDigestUpperCase", func(q *protocollo.Request) { q.DocumentDigest = strings.ToUpper(q.DocumentDigest) }},
		{"ErrDigestShort", func(q *protocollo.Request) { q.DocumentDigest = "abc" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request("bugliano", 2026, "invalid")
			tt.modify(&req)
			_, err := r.Register(context.Background(), req)
			if !fault.Is(err, fault.Invalid) || protocollo.Retryable(err) {
				t.Errorf("got %v, want an Invalid error that is not retryable", err)
			}
		})
	}
}
