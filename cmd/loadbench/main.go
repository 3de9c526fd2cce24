// Command loadbench measures the local server's service-list endpoint
// against a bare net/http handler that writes the same bytes, in one run on
// one machine, and prints the ratio of their requests per second. Both
// servers listen on 127.0.0.1 only; the run is bounded in time.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/localserver"
)

const path = "/api/v1/tenants/esempio/services"

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long each target is measured")
	workers := flag.Int("workers", 16, "concurrent clients")
	flag.Parse()
	if err := run(*duration, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, workers int) error {
	dir, err := os.MkdirTemp("", "stanza-loadbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"STANZA_ADDR": "127.0.0.1:0", "STANZA_DATA_DIR": dir}[k]
	})
	if err != nil {
		return err
	}
	// The server logs every request as it does in production, to a sink.
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := localserver.Open(context.Background(), cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	portalURL := "http://" + srv.Addr() + path

	body, err := fetch(portalURL)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	})}
	go func() { _ = bare.Serve(ln) }()
	defer bare.Close()
	bareURL := "http://" + ln.Addr().String() + path

	fmt.Printf("%d workers, %s per target, response of %d bytes\n", workers, duration, len(body))
	bareRPS, err := measure(bareURL, duration, workers)
	if err != nil {
		return err
	}
	portalRPS, err := measure(portalURL, duration, workers)
	if err != nil {
		return err
	}
	ratio := portalRPS / bareRPS
	fmt.Printf("bare net/http:  %9.0f req/s\n", bareRPS)
	fmt.Printf("stanza catalog: %9.0f req/s\n", portalRPS)
	fmt.Printf("ratio:          %9.2f (target at least 0.30)\n", ratio)
	if ratio < 0.3 {
		return fmt.Errorf("the ratio %.2f is below the target 0.30", ratio)
	}
	return nil
}

func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// measure runs workers clients against url for a short warm-up, then for
// duration, and returns the successful requests per second.
func measure(url string, duration time.Duration, workers int) (float64, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var ok, failed atomic.Int64
	var counting atomic.Bool
	deadline := time.Now().Add(duration + time.Second)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !counting.Load() {
					continue
				}
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second) // warm-up: connections, caches
	counting.Store(true)
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("%s: %d requests failed", url, n)
	}
	return float64(ok.Load()) / elapsed.Seconds(), nil
}
