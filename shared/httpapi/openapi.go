package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/stanzaportal/stanza/shared/routes"
)

// The OpenAPI 3.1 document is generated from the route table and the
// endpoints' response types at first use, so it describes every route and
// cannot drift from the handlers. A test validates real responses against it.

func (s *Server) document() []byte {
	s.doc.Do(func() {
		doc, err := json.MarshalIndent(s.buildDocument(), "", "  ")
		if err != nil {
			panic(fmt.Sprintf("httpapi: the API document cannot be encoded: %v", err))
		}
		s.doc.json = doc
	})
	return s.doc.json
}

type object = map[string]any

func (s *Server) buildDocument() object {
	schemas := object{"Problem": problemSchema()}
	reflector := &jsonschema.Reflector{AllowAdditionalProperties: false, DoNotReference: false, Mapper: textSchema, Namer: schemaName}
	schemaOf := func(v any) object {
		t := reflect.TypeOf(v)
		if t.Kind() == reflect.Map {
			return object{"type": "object"}
		}
		sch := reflector.Reflect(v)
		raw, _ := json.Marshal(sch)
		raw = bytes.ReplaceAll(raw, []byte(`"#/$defs/`), []byte(`"#/components/schemas/`))
		var decoded object
		_ = json.Unmarshal(raw, &decoded)
		if defs, ok := decoded["$defs"].(object); ok {
			for name, def := range defs {
				schemas[name] = def
			}
		}
		if ref, ok := decoded["$ref"]; ok {
			return object{"$ref": ref}
		}
		delete(decoded, "$schema")
		delete(decoded, "$id")
		return decoded
	}

	paths := object{}
	for _, rt := range routes.Table {
		item, _ := paths[rt.Path].(object)
		if item == nil {
			item = object{}
			paths[rt.Path] = item
		}
		var params []any
		for _, name := range rt.Params() {
			params = append(params, object{"name": name, "in": "path", "required": true, "schema": object{"type": "string"}})
		}
		params = append(params, object{"name": "lang", "in": "query", "required": false,
			"description": "Language of messages: it (default) or en. Accept-Language is honoured too.",
			"schema":      object{"type": "string", "enum": []string{"it", "en"}}})
		problem := object{"description": "Problem details (RFC 9457)", "content": object{
			"application/problem+json": object{"schema": object{"$ref": "#/components/schemas/Problem"}}}}
		op := object{
			"operationId":       operationID(rt),
			"summary":           rt.Summary,
			"tags":              []string{string(rt.Function)},
			"x-stanza-access":   rt.Access.String(),
			"x-stanza-function": string(rt.Function),
		}
		if e, ok := s.endpoints[rt.Pattern()]; ok {
			for _, q := range e.Query {
				params = append(params, object{"name": q.Name, "in": "query", "required": false, "description": q.Description, "schema": object{"type": "string"}})
			}
			var ok object
			if e.Produces != "" {
				ok = object{"description": "OK", "content": object{e.Produces: object{"schema": object{"type": "string"}}}}
			} else {
				ok = object{"description": "OK", "content": object{"application/json": object{"schema": schemaOf(e.Response)}}}
			}
			op["responses"] = object{"200": ok, "4XX": problem, "5XX": problem}
			if rt.Method == http.MethodPost && e.Produces == "" {
				// A POST that creates answers 201, and 200 when it finds
				// what a repeated request created (a resumed draft, a
				// message sent again with its idempotency key).
				op["responses"].(object)["201"] = object{"description": "Created", "content": ok["content"]}
			}
			if e.Produces == "text/html" {
				op["responses"].(object)["3XX"] = object{"description": "Redirect to the identity provider or back to the portal"}
			}
		} else {
			op["description"] = "Planned: the route exists in the route table and answers 501 until its feature is built."
			op["responses"] = object{"501": problem, "4XX": problem}
		}
		op["parameters"] = params
		item[strings.ToLower(rt.Method)] = op
	}
	return object{
		"openapi": "3.1.0",
		"info": object{
			"title":       "Stanza API",
			"version":     "1.0.0",
			"description": "API of Stanza, the citizen portal of Italian municipalities. Errors are RFC 9457 problem details, in Italian unless English is asked for.",
		},
		"paths":      paths,
		"components": object{"schemas": schemas},
	}
}

// textSchema describes as a string a type that encoding/json writes as
// one, through its MarshalText (pratica.Role, for one); the reflector
// would describe its underlying kind instead. Times keep the reflector's
// own description, with its date-time format.
func textSchema(t reflect.Type) *jsonschema.Schema {
	text := reflect.TypeFor[encoding.TextMarshaler]()
	if t == reflect.TypeFor[time.Time]() || t.Implements(reflect.TypeFor[json.Marshaler]()) || !t.Implements(text) {
		return nil
	}
	return &jsonschema.Schema{Type: "string"}
}

// schemaName names a type's schema after its package too, so that types of
// the same name in different packages (servizio.Service, metriche.Service)
// never share a schema. This package's own types keep their plain names.
func schemaName(t reflect.Type) string {
	pkg := path.Base(t.PkgPath())
	if pkg == "httpapi" || pkg == "." || pkg == "" {
		return t.Name()
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + t.Name()
}

// operationID derives a stable id from the route, e.g.
// "get_api_v1_tenants_tenant_services".
func operationID(rt routes.Route) string {
	r := strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_", "-", "_")
	return strings.ToLower(rt.Method) + r.Replace(rt.Path)
}

func problemSchema() object {
	return object{
		"type":     "object",
		"required": []string{"type", "title", "status"},
		"properties": object{
			"type":     object{"type": "string", "format": "uri-reference"},
			"title":    object{"type": "string"},
			"status":   object{"type": "integer", "minimum": 100, "maximum": 599},
			"detail":   object{"type": "string"},
			"instance": object{"type": "string", "format": "uri-reference"},
		},
	}
}
