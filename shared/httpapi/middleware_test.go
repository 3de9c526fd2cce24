package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stanzaportal/stanza/shared/httpapi"
)

func TestClientAddress(t *testing.T) {
	const peer = "203.0.113.7:51000" // the proxy's connection
	const header = "Stanza-Client-Address"
	tests := []struct {
		name, header, value, want string
	}{
		{"IPv4", header, "198.51.100.10", "198.51.100.10:0"},
		{"IPv4WithPort", header, "198.51.100.10:46532", "198.51.100.10:46532"},
		{"IPv6", header, "2001:db8::1", "[2001:db8::1]:0"},
		{"IPv6WithPort", header, "[2001:db8::1]:443", "[2001:db8::1]:443"},
		{"IPv4MappedIPv6", header, "::ffff:198.51.100.10", "198.51.100.10:0"},
		{"NoHeaderNamedKeepsThePeer", "", "198.51.100.10", peer},
		{"ErrMissingValueKeepsThePeer", header, "", peer},
		{"ErrNotAnAddressKeepsThePeer", header, "evil:80", peer},
		{"ErrZoneKeepsThePeer", header, "fe80::1%eth0", peer},
		{"ErrPortOutOfRangeKeepsThePeer", header, "198.51.100.10:70000", peer},
		{"ErrListKeepsThePeer", header, "198.51.100.10, 198.51.100.11", peer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := httpapi.ClientAddress(tt.header, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				got = r.RemoteAddr
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = peer
			if tt.value != "" {
				r.Header.Set(header, tt.value)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("got RemoteAddr %q, want %q", got, tt.want)
			}
		})
	}
}
