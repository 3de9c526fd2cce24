// Package auth says who is calling and what they may do. A Principal is the
// caller a request was authenticated as (a citizen's session, an operator's
// or admin's session, a partner's API key); Authorize decides a route of the
// route table for it, so that every route is guarded by its own declaration.
//
// # Rules
//
//   - A Public route admits everyone, signed in or not.
//   - Otherwise the caller's role must be among the route's Access; an admin
//     also passes where operators do.
//   - Operators, admins and partners belong to one Comune: on a route with a
//     {tenant} they pass only for their own. Citizens are one person across
//     Comuni and pass for any.
//   - No principal: Unauthorized (401). A principal of the wrong role or
//     Comune: Forbidden (403).
package auth

import (
	"context"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
)

// Level is the strength of a citizen's sign-in, and the minimum a service
// requires.
type Level string

// SPID's three levels; CIE counts as level 3.
const (
	SpidL1 Level = "spid-l1"
	SpidL2 Level = "spid-l2"
	SpidL3 Level = "spid-l3"
	CIE    Level = "cie"
)

// Rank orders levels: 1 to 3, 0 for an unknown one.
func (l Level) Rank() int {
	switch l {
	case SpidL1:
		return 1
	case SpidL2:
		return 2
	case SpidL3, CIE:
		return 3
	}
	return 0
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.Rank() > 0 }

// Satisfies reports whether a sign-in at l meets the minimum min.
func (l Level) Satisfies(min Level) bool { return l.Rank() > 0 && l.Rank() >= min.Rank() }

// Principal is an authenticated caller.
type Principal struct {
	// Role is exactly one of routes.Citizen, Operator, Admin or Partner.
	Role routes.Access
	// Subject identifies the caller within its kind: a citizen's fiscal code
	// (e.g. "RSSMRA80A01H501U"), an operator's username, a partner key's id.
	Subject string
	// Tenant is the Comune of an operator, admin or partner; "" for citizens.
	Tenant string
	// Name is shown to the caller (never to citizens for operators).
	Name string
	// Level is a citizen's sign-in level.
	Level Level
	// Session is the id of the caller's session; "" for API keys.
	Session string
	// Services lists the services an operator is enabled for; admins and
	// partners are not limited by it.
	Services []string
	// Scopes lists what a partner's key grants (see package apikey).
	Scopes []string
}

// Anonymous reports whether p is nobody.
func (p Principal) Anonymous() bool { return p.Role == 0 }

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of a request; the zero Principal
// (anonymous) when there is none.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(ctxKey{}).(Principal)
	return p
}

// Authorize decides whether p may call rt with the path's tenant ("" when
// the route has none).
func Authorize(p Principal, rt routes.Route, tenant string) error {
	if rt.Access.Has(routes.Public) {
		return nil
	}
	if p.Anonymous() {
		return fault.New(fault.Unauthorized, "Per continuare è necessario accedere.")
	}
	allowed := rt.Access.Has(p.Role) || (p.Role == routes.Admin && rt.Access.Has(routes.Operator))
	if !allowed {
		return fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	if p.Role != routes.Citizen && tenant != "" && p.Tenant != tenant {
		return fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	return nil
}

// RequireLevel returns nil when a citizen's session meets min, and otherwise
// a Forbidden error that asks to sign in again at that level.
func RequireLevel(p Principal, min Level) error {
	if p.Role != routes.Citizen {
		return fault.New(fault.Unauthorized, "Per continuare è necessario accedere.")
	}
	if !p.Level.Satisfies(min) {
		return fault.New(fault.Forbidden, "Questo servizio richiede un accesso di livello %s: accedi di nuovo con SPID o CIE al livello richiesto.", min)
	}
	return nil
}
