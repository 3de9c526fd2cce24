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

	// Sign-in: SPID and CIE (SAML 2.0), sessions.
	{"GET", "/auth/spid/metadata", Auth, Public, "SAML metadata of the SPID service provider"},
	{"GET", "/auth/cie/metadata", Auth, Public, "SAML metadata of the CIE service provider"},
	{"GET", "/auth/idps", Auth, Public, "Identity providers a citizen can sign in with"},
	{"GET", "/auth/login", Auth, Public, "Start a SPID or CIE sign-in (redirects to the identity provider)"},
	{"POST", "/auth/acs", Auth, Public, "SAML assertion consumer service (HTTP-POST binding)"},
	{"GET", "/auth/slo", Auth, Public, "SAML single logout service (HTTP-Redirect binding)"},
	{"POST", "/auth/slo", Auth, Public, "SAML single logout service (HTTP-POST binding)"},
	{"POST", "/auth/logout", Auth, Citizen | Operator | Admin, "Sign out of this session"},
	{"POST", "/auth/logout-everywhere", Auth, Citizen | Operator | Admin, "Sign out of every session of this account"},
	{"GET", "/api/v1/session", Auth, Public, "Who is signed in, and the CSRF token of the session"},

	// The citizen's account: profile, email, terms of use.
	{"GET", "/api/v1/me", Auth, Citizen, "The signed-in citizen's profile"},
	{"PATCH", "/api/v1/me", Auth, Citizen, "Update the citizen's contact data"},
	{"POST", "/api/v1/me/email-verification", Auth, Citizen, "Send the link that verifies the citizen's email"},
	{"GET", "/api/v1/email-verification", Auth, Public, "Verify an email address from the emailed link"},
	{"GET", "/api/v1/tenants/{tenant}/terms", Auth, Public, "A Comune's current terms of use"},
	{"POST", "/api/v1/tenants/{tenant}/terms/acceptances", Auth, Citizen, "Accept a Comune's current terms of use"},
	{"GET", "/api/v1/tenants/{tenant}/services/{service}/access", Auth, Public, "Whether the session may use a service, or how to sign in for it"},

	// Operators and admins: sign-in with password and TOTP.
	{"POST", "/api/v1/tenants/{tenant}/operator-login", Auth, Public, "Operator sign-in, first step: username and password"},
	{"POST", "/api/v1/tenants/{tenant}/operator-login/totp", Auth, Public, "Operator sign-in, second step: TOTP or recovery code"},
	{"POST", "/api/v1/tenants/{tenant}/operator-login/enrolment", Auth, Public, "Operator sign-in, first time: enrol the TOTP second factor"},
	{"POST", "/api/v1/tenants/{tenant}/operator/password", Auth, Operator | Admin, "Change one's own password (the current one is required); ends the account's other sessions"},

	// Administration of a Comune's staff, partner keys and terms of use.
	{"GET", "/api/v1/tenants/{tenant}/admin/operators", Backoffice, Admin, "List the Comune's operators and admins"},
	{"POST", "/api/v1/tenants/{tenant}/admin/operators", Backoffice, Admin, "Create an operator or admin"},
	{"PATCH", "/api/v1/tenants/{tenant}/admin/operators/{operator}", Backoffice, Admin, "Change an operator's role, services, offices or status"},
	{"POST", "/api/v1/tenants/{tenant}/admin/operators/{operator}/second-factor-reset", Backoffice, Admin, "Reset an operator's second factor"},
	{"GET", "/api/v1/tenants/{tenant}/admin/api-keys", Backoffice, Admin, "List the Comune's partner API keys"},
	{"POST", "/api/v1/tenants/{tenant}/admin/api-keys", Backoffice, Admin, "Issue a partner API key (shown once)"},
	{"DELETE", "/api/v1/tenants/{tenant}/admin/api-keys/{key}", Backoffice, Admin, "Revoke a partner API key"},
	{"PUT", "/api/v1/tenants/{tenant}/admin/terms", Backoffice, Admin, "Publish a new version of the terms of use"},

	// Applications (pratiche): the citizen's flow.
	{"GET", "/api/v1/tenants/{tenant}/services/{service}/form", Applications, Public, "A service's form (Form.io) and its settings"},
	{"GET", "/api/v1/tenants/{tenant}/applications", Applications, Citizen | Partner, "List applications (a citizen's by status group, with counts)"},
	{"POST", "/api/v1/tenants/{tenant}/applications", Applications, Citizen, "Start a draft application, or resume the existing one"},
	{"GET", "/api/v1/tenants/{tenant}/applications/{application}", Applications, Citizen | Partner, "Read an application with its history"},
	{"PATCH", "/api/v1/tenants/{tenant}/applications/{application}", Applications, Citizen, "Save a draft's data and current step"},
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/submission", Applications, Citizen, "Submit a draft after review: {\"confirmed\": true} and an Idempotency-Key header"},
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/withdrawal", Applications, Citizen, "Withdraw an application before its conclusion"},
	{"PUT", "/api/v1/tenants/{tenant}/applications/{application}/notes", Applications, Citizen, "The citizen's private notes on an application"},
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/attachments", Applications, Citizen, "Prepare the upload of an attachment (signed URL)"},
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/attachments/{attachment}/confirmation", Applications, Citizen, "Confirm an uploaded attachment, or reuse one of the citizen's"},
	{"GET", "/api/v1/tenants/{tenant}/applications/{application}/receipt", Applications, Citizen | Partner, "Download the receipt PDF"},
	{"GET", "/api/v1/tenants/{tenant}/applications/{application}/response", Applications, Citizen | Partner, "Download the Comune's response PDF of an accepted or rejected application"},
	{"GET", "/api/v1/me/attachments", Applications, Citizen, "The citizen's attachments, with the applications they belong to"},

	// The citizen's side of an integration request.
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/integration", Applications, Citizen, "Open the integration an operator asked for"},
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/integration/submission", Applications, Citizen, "Send the integration (answers and files)"},

	// Back office: queues, actions, notes, metrics, audit.
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications", Backoffice, Operator | Admin, "Operator queues: da-assegnare, da-gestire, concluse, tutte; search, filters, sort"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications/{application}", Backoffice, Operator | Admin, "Read an application, with its history and internal notes"},
	{"POST", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/transitions", Backoffice, Operator | Admin, "Perform a workflow transition (take in charge, reassign, request integration, accept, reject)"},
	{"POST", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/response-file", Backoffice, Operator | Admin, "Prepare the upload of a response file (PDF or signed .p7m)"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/notes", Backoffice, Operator | Admin, "Internal notes, never visible to the citizen"},
	{"POST", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/notes", Backoffice, Operator | Admin, "Add an internal note"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/receipt", Backoffice, Operator | Admin, "Download an application's receipt PDF"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/attachments/{attachment}", Backoffice, Operator | Admin, "Download one of an application's attachments"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/assignees", Backoffice, Operator | Admin, "The staff an admin or office manager may reassign an application to: enabled, enabled for its service, with their offices"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/metrics", Backoffice, Operator | Admin, "Applications by service and status, submissions per day, times to conclusion, backlog"},
	{"GET", "/api/v1/tenants/{tenant}/admin/audit", Backoffice, Admin, "The audit log, by application or by operator"},
	{"GET", "/api/v1/tenants/{tenant}/admin/webhooks", Backoffice, Admin, "List webhook subscriptions"},
	{"POST", "/api/v1/tenants/{tenant}/admin/webhooks", Backoffice, Admin, "Subscribe a URL to application status changes (application.status_changed) and new messages (message.created); each POST is signed: Stanza-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\"> with the secret shown once"},
	{"DELETE", "/api/v1/tenants/{tenant}/admin/webhooks/{webhook}", Backoffice, Admin, "Remove a webhook subscription"},
	{"GET", "/api/v1/tenants/{tenant}/admin/webhooks/{webhook}/deliveries", Backoffice, Admin, "A webhook's delivery log"},

	// Administration of the catalogue and the offices.
	{"GET", "/api/v1/tenants/{tenant}/admin/services", Backoffice, Admin, "List every service, drafts included"},
	{"POST", "/api/v1/tenants/{tenant}/admin/services", Backoffice, Admin, "Create a service (as a draft)"},
	{"PUT", "/api/v1/tenants/{tenant}/admin/services/{service}", Backoffice, Admin, "Edit a service sheet; publish or unpublish it"},
	{"GET", "/api/v1/tenants/{tenant}/admin/services/{service}/form", Backoffice, Admin, "Read a service's form and settings, drafts included: as stored and with the library's blocks inline"},
	{"PUT", "/api/v1/tenants/{tenant}/admin/services/{service}/form", Backoffice, Admin, "Upload the service's Form.io definition and settings (validated)"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/services/{service}/protocol", Backoffice, Operator | Admin, "The service's protocol configuration (read-only)"},
	{"GET", "/api/v1/tenants/{tenant}/admin/offices", Backoffice, Admin, "List the Comune's offices"},
	{"PUT", "/api/v1/tenants/{tenant}/admin/offices/{office}", Backoffice, Admin, "Create an office, or change its name or managers"},

	// Partner API (API key, or a short-lived token obtained with it).
	{"POST", "/api/v1/tenants/{tenant}/partner/token", Backoffice, Partner, "Exchange the API key for a short-lived token"},
	{"GET", "/api/v1/tenants/{tenant}/partner/applications", Backoffice, Partner, "List applications with filters"},
	{"GET", "/api/v1/tenants/{tenant}/partner/applications/{application}", Backoffice, Partner, "Read an application with its history"},
	{"POST", "/api/v1/tenants/{tenant}/partner/applications/{application}/transitions", Backoffice, Partner, "Perform a transition as an operator would"},
	{"GET", "/api/v1/tenants/{tenant}/partner/services", Backoffice, Partner, "List the Comune's services"},
	{"PUT", "/api/v1/tenants/{tenant}/partner/services/{service}", Backoffice, Partner, "Update a service sheet"},
	{"GET", "/api/v1/tenants/{tenant}/partner/applications/{application}/receipt", Backoffice, Partner, "Download an application's receipt"},
	{"GET", "/api/v1/tenants/{tenant}/partner/applications/{application}/attachments/{attachment}", Backoffice, Partner, "Download an application's attachment"},
	{"PUT", "/api/v1/tenants/{tenant}/partner/applications/{application}/protocol", Backoffice, Partner, "Attach protocol data"},

	// Messages between citizens and operators.
	{"GET", "/api/v1/tenants/{tenant}/applications/{application}/messages", Messaging, Citizen, "The messages of the citizen's application with the Comune, oldest first"},
	{"POST", "/api/v1/tenants/{tenant}/applications/{application}/messages", Messaging, Citizen, "Write to the Comune about an application; an Idempotency-Key header makes a repeated request return the same message"},
	{"GET", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/messages", Messaging, Operator | Admin, "The messages between the citizen and the office, oldest first"},
	{"POST", "/api/v1/tenants/{tenant}/backoffice/applications/{application}/messages", Messaging, Operator | Admin, "Write to the citizen (emailed a notice; shown as the Comune, without the operator's name); optional Idempotency-Key header"},
	{"GET", "/api/v1/tenants/{tenant}/partner/applications/{application}/messages", Messaging, Partner, "The messages between the citizen and the office, oldest first"},
	{"POST", "/api/v1/tenants/{tenant}/partner/applications/{application}/messages", Messaging, Partner, "Write to the citizen on the office's behalf; optional Idempotency-Key header"},

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
