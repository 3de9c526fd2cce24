package lambdahost

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/localserver"
	"github.com/stanzaportal/stanza/shared/routes"
)

// TestCatalogFunctionAnswersAsLocalServer sends the same requests to the
// local server over HTTP and to the catalog function as API Gateway HTTP API
// (payload 2.0) events, and requires the same status, headers and body.
func TestCatalogFunctionAnswersAsLocalServer(t *testing.T) {
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"STANZA_ADDR": "127.0.0.1:0", "STANZA_DATA_DIR": t.TempDir()}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := localserver.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	fn := HTTP(srv.Portal, routes.Catalog)

	for _, target := range []string{
		"/api/v1/tenants",
		"/api/v1/tenants/esempio",
		"/api/v1/tenants/esempio/categories",
		"/api/v1/tenants/esempio/services?q=nido",
		"/api/v1/tenants/esempio/services?category=ambiente&lang=en",
		"/api/v1/tenants/esempio/services/occupazione-suolo-pubblico",
		"/api/v1/tenants/atlantide",
		"/api/v1/tenants/esempio/services?categoria=x",
		"/api/openapi.json",
	} {
		t.Run(target, func(t *testing.T) {
			const requestID = "lambda-test-0001"
			req, _ := http.NewRequest("GET", "http://"+srv.Addr()+target, nil)
			req.Header.Set("X-Request-Id", requestID)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			localBody, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			u, _ := url.Parse(target)
			ev := events.APIGatewayV2HTTPRequest{
				Version:        "2.0",
				RouteKey:       "$default",
				RawPath:        u.Path,
				RawQueryString: u.RawQuery,
				Headers:        map[string]string{"x-request-id": requestID, "host": "api.example"},
				RequestContext: events.APIGatewayV2HTTPRequestContext{
					DomainName: "api.example",
					Stage:      "$default",
					HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: u.Path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
				},
			}
			out, err := fn(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			lambdaBody := []byte(out.Body)
			if out.IsBase64Encoded {
				if lambdaBody, err = base64.StdEncoding.DecodeString(out.Body); err != nil {
					t.Fatal(err)
				}
			}

			if out.StatusCode != resp.StatusCode {
				t.Errorf("status: lambda %d, local %d", out.StatusCode, resp.StatusCode)
			}
			if string(lambdaBody) != string(localBody) {
				t.Errorf("body differs:\nlambda %s\nlocal  %s", lambdaBody, localBody)
			}
			lambdaHeaders := http.Header{}
			for k, v := range out.Headers {
				lambdaHeaders.Set(k, v)
			}
			for k, vs := range out.MultiValueHeaders {
				for _, v := range vs {
					lambdaHeaders.Add(k, v)
				}
			}
			for k := range resp.Header {
				if k == "Date" || k == "Content-Length" {
					continue // set by the HTTP server, by API Gateway in the cloud
				}
				if got, want := strings.Join(lambdaHeaders.Values(k), ","), strings.Join(resp.Header.Values(k), ","); got != want {
					t.Errorf("header %s: lambda %q, local %q", k, got, want)
				}
			}
			if resp.StatusCode == 0 || len(localBody) == 0 {
				t.Error("the local server answered nothing")
			}
		})
	}
}
