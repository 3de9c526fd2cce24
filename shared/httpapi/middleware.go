package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
)

// RequestID returns the id of the request being served.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Logger returns the request's logger, which carries its id.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// An incoming X-Request-Id is kept only when it looks like an id, so that
// logs cannot be forged through it.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records what a handler wrote, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe gives every request an id (X-Request-Id, in the response too), a
// logger that carries it, one access-log line, and turns a panic into a 500
// problem instead of a dropped connection.
func Observe(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		reqLog := log.With(slog.String("request_id", id))
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), loggerKey, reqLog)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if sw.status == 0 {
					Error(sw, r, fault.Wrap(fmt.Errorf("panic: %v", v), fault.Internal, "httpapi: panic"))
				} else {
					reqLog.Error("panic after the response started", slog.Any("panic", v))
				}
			}
			reqLog.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", sw.status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// Secure sets the headers every response carries. The API answers JSON only,
// so its content policy forbids everything; the web apps set their own.
func Secure(production bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if production {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// ClientAddress makes the address in header the request's RemoteAddr when
// header is set and holds one IP address, with or without a port
// ("198.51.100.10", "198.51.100.10:46532", "2001:db8::1",
// "[2001:db8::1]:443"), so that rate limits, the audit log and access logs
// count the client and not the proxy in front of the portal (CloudFront,
// whose viewer-request function writes the header). With header empty it
// changes nothing. Only a header that the proxy overwrites may be named: a
// client can send any header.
func ClientAddress(header string, next http.Handler) http.Handler {
	if header == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ap, ok := parseAddrPort(r.Header.Get(header)); ok {
			r = r.Clone(r.Context())
			r.RemoteAddr = ap.String()
		}
		next.ServeHTTP(w, r)
	})
}

// parseAddrPort reads an IP address with an optional port (0 when none).
func parseAddrPort(v string) (netip.AddrPort, bool) {
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	ip, err := netip.ParseAddr(v)
	if err != nil || ip.Zone() != "" {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), 0), true
}
