package webapps

import "testing"

func TestDeepLink(t *testing.T) {
	tests := []struct {
		name, path string
		wantPage   string
		wantOK     bool
	}{
		{"BackofficePage", "backoffice/pratiche/01J8ZK3Q", "backoffice/index.html", true},
		{"BackofficeQueue", "backoffice/pratiche", "backoffice/index.html", true},
		{"CitizenApplication", "pratiche/01J8ZK3Q", "index.html", true},
		{"CitizenApplications", "pratiche", "index.html", true},
		{"BackofficeDirectoryIsTheRootAppsPage", "backoffice", "index.html", true},
		{"FileIsNotAPage", "backoffice/missing.js", "", false},
		{"RootFileIsNotAPage", "favicon.svg", "", false},
		{"DotInTheLastSegmentIsAFile", "pratiche/v1.2", "", false},
		{"DotInAnEarlierSegmentIsAPage", "backoffice/v1.2/pratiche", "backoffice/index.html", true},
		{"PrefixMustBeASegment", "backofficex/pratiche", "index.html", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, ok := DeepLink(tt.path)
			if page != tt.wantPage || ok != tt.wantOK {
				t.Errorf("DeepLink(%q): got %q, %v, want %q, %v", tt.path, page, ok, tt.wantPage, tt.wantOK)
			}
		})
	}
}
