// Package routes is the one table of Stanza's HTTP routes. The local server
// mounts it, each Lambda function serves its own rows, the CDK stack creates an
// API Gateway route per row and the OpenAPI document describes every row, so
// none of them can drift from the others. It depends on nothing, so that the
// CDK app can read it without the portal's code.
package routes

import "strings"

// Function names a Lambda function; every route belongs to one.
type Function string

// The HTTP functions. Their folders under functions/ carry the same names.
const (
	Auth         Function = "auth"
	Catalog      Function = "catalog"
	Applications Function = "applications"
	Backoffice   Function = "backoffice"
	Messaging    Function = "messaging"
	Profiling    Function = "profiling"
	Archive      Function = "archive"
)

// Functions lists the HTTP functions in a stable order.
var Functions = []Function{Auth, Catalog, Applications, Backoffice, Messaging, Profiling, Archive}

// Access is the set of callers a route admits.
type Access uint8

const (
	Public   Access = 1 << iota // anyone, signed in or not
	Citizen                     // a citizen signed in with SPID or CIE
	Operator                    // an operator of the route's Comune
	Admin                       // an admin of the route's Comune
	Partner                     // a partner system with an API key of the route's Comune
)

// Has reports whether a admits every caller in b.
func (a Access) Has(b Access) bool { return a&b == b }

func (a Access) String() string {
	var names []string
	for _, n := range []struct {
		bit  Access
		name string
	}{{Public, "public"}, {Citizen, "citizen"}, {Operator, "operator"}, {Admin, "admin"}, {Partner, "partner"}} {
		if a&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, "|")
}

// Route is one row of the table. Path uses the syntax shared by net/http's
// ServeMux and API Gateway: "{name}" matches one segment.
type Route struct {
	Method   string
	Path     string
	Function Function
	Access   Access
	Summary  string // one line for the API document, in English
}

// Pattern is the route as a ServeMux pattern and as an API Gateway route
// key ("GET /api/v1/tenants").
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Params returns the names of the path parameters, in order.
func (r Route) Params() []string {
	var names []string
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, seg[1:len(seg)-1])
		}
	}
	return names
}

// Table is every route of the portal's API.
var Table = []Route{
	// Public catalogue.
	{"GET", "/api/v1/tenants", Catalog, Public, "List the Comuni served by this portal"},
	{"GET", "/api/v1/tenants/{tenant}", Catalog, Public, "Read one Comune"},
	{"GET", "/api/v1/tenants/{tenant}/categories", Catalog, Public, "List a Comune's service categories"},
	{"GET", "/api/v1/tenants/{tenant}/services", Catalog, Public, "List or search a Comune's online services"},
	{"GET", "/api/v1/tenants/{tenant}/services/{service}", Catalog, Public, "Read a service sheet"},
	{"GET", "/api/openapi.json", Catalog, Public, "This API document"},

	// Sign-in and the citizen's account.
	{"GET", "/auth/spid/metadata", Auth, Public, "SAML metadata of the SPID service provider"},
	{"GET", "/auth/login", Auth, Public, "Start a SPID or CIE sign-in"},
	{"POST", "/auth/acs", Auth, Public, "SAML assertion consumer service"},
	{"POST", "/auth/logout", Auth, Citizen | Operator | Admin, "Sign out"},
	{"GET", "/api/v1/me", Auth, Citizen, "The signed-in citizen's profile"},

	// Applications (pratiche).
	{"GET", "/api/v1/tenants/{tenant}/applications", Applications, Citizen | Partner, "List applications"},
	{"POST", "/api/v1/tenants/{tenant}/applications", Applications, Citizen, "Start a draft application"},
	{"GET", "/api/v1/tenants/{tenant}/applications/{application}", Applications, Citizen | Partner, "Read an application"},

	// Back office.
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications", Backoffice, Operator | Admin, "Operator queues"},

	// Messages between citizens and operators.
	{"GET", "/api/v1/tenants/{tenant}/applications/{application}/messages", Messaging, Citizen | Operator, "Messages of an application"},

	// Profiling: notices, opportunities and deadlines.
	{"GET", "/api/v1/tenants/{tenant}/notices", Profiling, Citizen, "Notices that concern the citizen"},

	// Archive of closed applications.
	{"GET", "/api/v1/tenants/{tenant}/archive", Archive, Citizen | Operator | Admin, "Closed applications"},
}

// Of returns the routes of one function, in table order.
func Of(f Function) []Route {
	var out []Route
	for _, r := range Table {
		if r.Function == f {
			out = append(out, r)
		}
	}
	return out
}
