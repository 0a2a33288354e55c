// Package server is the HTTP layer of Tenure's SCIM 2.0 service provider
// (RFC 7644): routing, content negotiation, preconditions, bulk, and the
// mapping of every failure to a SCIM error response. The protocol itself
// (schemas, filters, PATCH, projection) is package scim; storage is the
// Store port, with an in-memory implementation in package memstore and
// the port's conformance suite in package storetest. Package scimtest
// checks the whole service provider over HTTP.
//
// # Mounting
//
// New returns an http.Handler that serves paths relative to the SCIM base
// URL. Tenure mounts one per tenant under /t/{tenant}/scim/v2/:
//
//	mux.Handle("/t/{tenant}/scim/v2/", auth(http.StripPrefix(prefix, handler)))
//
// where the Store given in Config is already scoped to the tenant (either
// build one handler per tenant, New is cheap; or give a Store that reads a
// tenant the middleware put in the request context).
//
// # Authentication is the caller's job
//
// The handler does no authentication or authorisation at all: every
// request that reaches it is served. The caller must wrap it with a check
// of the bearer token, bound to the tenant of the URL and to a SCIM scope,
// before any of it runs (a token of tenant A must not reach tenant B's
// store). Answer failures with 401 and a SCIM error body so IdPs show a
// useful message. /ServiceProviderConfig, /Schemas and /ResourceTypes hold
// no tenant data and could be left open, but need not be.
//
// # Routes
//
//	GET  /ServiceProviderConfig
//	GET  /Schemas, /Schemas/{urn}
//	GET  /ResourceTypes, /ResourceTypes/{name}
//	GET  /{endpoint}                 query: filter, attributes, excludedAttributes,
//	                                 sortBy, sortOrder, startIndex, count
//	POST /{endpoint}                 create: 201 + Location
//	POST /{endpoint}/.search         query with a SearchRequest body
//	GET  /{endpoint}/{id}            If-None-Match: 304
//	PUT  /{endpoint}/{id}            If-Match: 412
//	PATCH /{endpoint}/{id}           200 with the resource; 204 with Prefer: return=minimal
//	DELETE /{endpoint}/{id}          204
//	GET  /, POST /.search            query across every resource type
//	POST /Bulk                       with bulkId references; off unless configured
//
// Endpoints ("/Users", "/Groups") come from the catalog and match in any
// case, as IdPs are not consistent.
//
// # Behaviour a client relies on
//
//   - Requests may be application/scim+json or application/json, with any
//     charset parameter; a body without Content-Type is read as JSON.
//     Responses are application/scim+json.
//   - Every resource response carries ETag, equal to meta.version.
//   - Every failure is a SCIM error body with the right status and
//     scimType, and a client's mistake is never a 500: malformed or deeply
//     nested JSON, wrong types, unknown schemas or attributes, bad UTF-8,
//     long filters are 400, bodies over the limit 413.
//   - A filter that matches nothing is 200 with totalResults 0, which is
//     how Entra ID and Okta learn that a user is new.
//   - Deactivated users (active false) are still served; deleting is
//     DELETE.
//   - readOnly attributes in a body (id, meta, groups) are ignored, so an
//     Okta PUT that echoes the resource works; nulls are absent values.
//   - password is dropped unless ServiceProviderConfig.ChangePassword is
//     set: Tenure has no use for it and should not hold it.
//   - The groups attribute of a user is not computed from group members.
//   - Bulk operations run in order, each on its own (no rollback of the
//     others); a bulkId can be referenced by later operations only.
package server
