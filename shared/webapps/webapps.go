// Package webapps holds the rules for serving the built web apps that both
// hosts must apply alike: the local server (shared/localserver) and, in the
// cloud, CloudFront (infra), whose stack reads them from here so that the
// two cannot drift.
//
// # Deep links
//
// The apps route their pages in the browser (/backoffice/pratiche/<id> in
// the back office, /pratiche/<id> in the citizens' app at the root, which
// notice emails link to), so a page path that names no file must get its
// app's page: a reload or a shared link then opens the same page. A path
// with an extension names a file, and a missing file stays a 404 rather
// than a page.
package webapps

import (
	"path"
	"strings"
)

// ContentSecurityPolicy lets the apps use their own scripts, styles, fonts
// and images only (images also as data: URLs), with no inline script or
// style and no eval, and lets no other site frame them.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ReferrerPolicy keeps page paths, which name applications, within the
// portal: other sites see the origin only.
const ReferrerPolicy = "strict-origin-when-cross-origin"

// App is one single-page app.
type App struct {
	// Prefix is where the app's pages are: a path without the leading slash,
	// ending with one, or empty for the app at the root.
	Prefix string
	// Page is the file that serves every page of the app.
	Page string
}

// Apps are the apps, the first whose prefix matches taking a page: the
// operators' back office, then the citizens' app at the root, which takes
// every other page.
var Apps = []App{
	{Prefix: "backoffice/", Page: "backoffice/index.html"},
	{Prefix: "", Page: "index.html"},
}

// DeepLink returns the file that serves name when name is a page, a path
// with no extension, and false when it names a file. name is a cleaned URL
// path without the leading slash, as path.Clean leaves it. A host that
// knows which files exist serves an existing one instead, such as a
// directory's index.html.
func DeepLink(name string) (page string, ok bool) {
	if path.Ext(name) != "" {
		return "", false
	}
	for _, a := range Apps {
		if strings.HasPrefix(name, a.Prefix) {
			return a.Page, true
		}
	}
	return "", false
}
