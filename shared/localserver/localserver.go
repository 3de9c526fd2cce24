// Package localserver runs the whole portal in one process: every function's
// routes on one HTTP server, the change-feed worker and the webhook
// deliveries in goroutines, the
// embedded store and files under a data directory, and the web apps. It is
// what `make run` starts, and what end-to-end tests start on a free port.
package localserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/portal"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/ufficio"
	"github.com/stanzaportal/stanza/shared/webapps"
	"github.com/stanzaportal/stanza/web"
)

// workerConsumer names the in-process worker's position in the change log.
const workerConsumer = "worker"

// Server is the local portal.
type Server struct {
	Portal *portal.Portal

	cfg      config.Config
	log      *slog.Logger
	ln       net.Listener
	http     *http.Server
	stopWork context.CancelFunc
	wg       sync.WaitGroup
}

// Open builds the portal, seeds the demo Comune when asked, and starts
// listening and working. cfg.Addr may name port 0 to pick a free port.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	if cfg.Mode != config.Local {
		return nil, errors.New("the local server runs in local mode only (STANZA_MODE=local)")
	}
	// Listen first: with port 0 the signed links need the port picked.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	p, err := portal.Open(ctx, cfg, log)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	if cfg.Seed {
		if err := seed.Demo(ctx, p.DB); err != nil {
			_ = ln.Close()
			_ = p.Close()
			return nil, fmt.Errorf("seeding the demo Comune: %w", err)
		}
		if err := seed.Staff(ctx, p.Operators, ufficio.NewStore(p.DB, p.Operators)); err != nil {
			_ = ln.Close()
			_ = p.Close()
			return nil, fmt.Errorf("seeding the demo staff: %w", err)
		}
	}
	s := &Server{Portal: p, cfg: cfg, log: log, ln: ln}
	s.http = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	workCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopWork = stop
	s.wg.Add(4)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", slog.String("error", err.Error()))
		}
	}()
	go func() {
		defer s.wg.Done()
		_ = p.Worker.Run(workCtx, p.DB.Feed(), workerConsumer, 200*time.Millisecond)
	}()
	// Webhook deliveries go out from their own loop, so that a slow
	// receiver holds back neither a request nor the change feed.
	go func() {
		defer s.wg.Done()
		p.Webhooks.Run(workCtx, time.Second)
	}()
	go func() {
		defer s.wg.Done()
		s.sweep(workCtx, time.Minute)
	}()
	log.Info("stanza is running", slog.String("url", "http://"+s.Addr()), slog.String("data_dir", cfg.DataDir))
	return s, nil
}

// sweep deletes expired items every interval until ctx ends, so that
// their deletions reach the change feed (abandoned uploads are cleaned up
// from it), as DynamoDB's TTL deleter makes them in the cloud.
func (s *Server) sweep(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := s.Portal.Sweep(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Warn("sweeping expired items", slog.String("error", err.Error()))
			}
		}
	}
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops accepting requests, lets those under way finish (up to 10
// seconds), stops the worker and closes the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.stopWork()
	s.wg.Wait()
	return errors.Join(err, s.Portal.Close())
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	api := s.Portal.API.Handler(routes.Functions...)
	mux.Handle("/api/", api)
	mux.Handle("/auth/", api)
	local := http.NewServeMux()
	local.HandleFunc("GET /healthz", s.healthz)
	for name, b := range s.Portal.LocalFiles {
		prefix := "/_files/" + name
		local.Handle(prefix+"/", b.Handler(httpapi.Error))
	}
	// The mail the portal sends, as its recipients would read it: the local
	// server runs in local mode only, where mail goes to this mailbox.
	local.Handle(localmail.Path, s.Portal.Mailbox.Handler())
	for path, idp := range s.Portal.TestIdPs {
		local.Handle(path+"/", idp.Handler())
	}
	local.Handle("/", webApps(web.Files))
	mux.Handle("/", httpapi.Observe(s.log, local))
	return mux
}

// webApps serves the built web apps under a strict content policy: their
// own scripts, styles, fonts and images only. The apps route their pages in
// the browser (/backoffice/pratiche/<id> in the back office, /pratiche/<id>
// in the citizens' app at the root, which notice emails link to), so a page
// path that names no file gets its app's index.html: the back office's
// under /backoffice/, the citizens' app's anywhere else. A reload or a
// shared link opens the same page. Paths with an extension are files, and a
// missing one stays a 404 rather than a page. The policy and the deep links
// are those of shared/webapps, which CloudFront applies too.
func webApps(files fs.FS) http.Handler {
	static := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", webapps.ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", webapps.ReferrerPolicy)
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if page, ok := webapps.DeepLink(name); ok {
			if _, err := fs.Stat(files, name); errors.Is(err, fs.ErrNotExist) {
				http.ServeFileFS(w, r, files, page)
				return
			}
		}
		static.ServeHTTP(w, r)
	})
}

// healthz answers 200 when the store answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	_, err := s.Portal.DB.Global().Get(r.Context(), store.Key{PK: "health", SK: "probe"})
	if err != nil && !fault.Is(err, fault.NotFound) {
		httpapi.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}

// Main runs the local server until ctx ends: it is the whole of `stanza`.
func Main(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w\n\noptions:\n%s", err, config.Help())
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	s, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	return s.Close()
}
