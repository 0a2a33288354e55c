// Package scim is the protocol core of Tenure's SCIM 2.0 service provider
// (RFC 7643 schemas, RFC 7644 protocol): everything about SCIM that does
// not need HTTP routing or storage. It uses the standard library only and
// no other Tenure package, so the server handler, the stores and the
// conformance suite can all build on it.
//
// # Design
//
// Schemas are data. Attribute definitions (Attribute, Schema,
// ResourceType) drive everything else: normalisation, filter compilation,
// PATCH, projection, sorting and the discovery documents. /Schemas
// therefore describes exactly what the server enforces.
//
// A Resource is a JSON tree (map[string]any) kept in one canonical form:
// attribute names in their schema's case, extension attributes under their
// URN, values of their declared type, absent meaning null. Normalize turns
// a client's body into that form; Validate checks it; ApplyPatch and
// Replace return it. Canonical data makes the rest simple: filters and
// PATCH look keys up directly, ETag hashes the JSON, and a store can keep
// the JSON as it is.
//
// Real clients bend the RFC, and a provisioning engine that rejects Entra
// ID or Okta is useless, so the tolerances they need are built in and
// tested against payloads in their documented shapes (testdata/patch):
// "op" and names in any case, booleans as "True"/"False", path-less PATCH
// values holding dotted or URN-qualified names, members removed by value
// list, filtered paths that create the element they address, the manager
// as a bare id. What is not tolerated is rejected with the scimType a
// client can act on; see Error.
//
// # Request flow
//
// A handler built on this package does, for each request:
//
//	rt := catalog.ByEndpoint("/Users")
//	body, err := scim.DecodeRequest(r.Body, scim.DecodeOptions{MaxBytes: limit, Schemas: catalog.SchemaURNs()})
//	res, err := rt.Normalize(body)                   // POST
//	res, err := rt.Replace(stored, body)             // PUT
//	req, err := scim.DecodePatch(body)               // PATCH …
//	res, err := rt.ApplyPatch(stored, req)           // … atomic
//	rt.SetMeta(res, id, location, created, now)      // version = scim.ETag(res)
//	f, err := rt.ParseFilter(query.Get("filter"))    // f.Equality() for an index, f.Match(res) otherwise
//	sorter, err := rt.NewSorter(sortBy, sortOrder)
//	page, err := scim.ParsePage(startIndex, count, maxResults)
//	proj, err := rt.NewProjection(attributes, excludedAttributes)
//	body := scim.NewListResponse(projected, total, page)
//
// Every error is (or wraps) an *Error that marshals to the RFC 7644 error
// body; AsError turns anything else into a 500 without leaking details.
//
// # Decisions where the RFCs leave room
//
//   - An unknown attribute in a body is invalidSyntax (the body does not
//     match the schema); in a PATCH path, invalidPath; in a filter,
//     invalidFilter; in attributes/excludedAttributes, ignored.
//   - Bodies must qualify extension attributes (by URN key or object);
//     filters and PATCH paths may omit the URN when only one extension
//     has the name.
//   - "ne" on a multi-valued attribute matches when no value is equal, and
//     an absent attribute is "ne" anything.
//   - Removing a required attribute is invalidValue ("a required value was
//     missing"); changing an immutable one that has a value is mutability.
//   - members.value is required, unlike RFC 7643 §8.7.1: a member without
//     an id cannot be resolved or removed.
//   - Resources without a sort key sort last in both orders.
//
// Stores that keep resources as JSON should decode numbers with
// json.Decoder.UseNumber, as DecodeRequest does; ApplyPatch accepts
// float64 but Validate reports it as not canonical.
//
// # Limits
//
// Inputs come from anyone holding a token, so parsing is bounded: bodies
// by DecodeOptions (size and nesting), filters and paths by
// MaxFilterLength and MaxFilterDepth. Failures are errors, never panics;
// the fuzz targets hold every parser to that.
package scim
