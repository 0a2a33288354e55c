// Package scimconn is the outbound SCIM 2.0 connector (RFC 7643, RFC
// 7644): it provisions accounts in any app that exposes a SCIM service
// provider, speaking as a client to its /Users and /Groups. It implements
// connector.Connector, connector.GroupManager and connector.Lister. It
// does not implement connector.SessionRevoker: SCIM has no session API,
// so revoking sessions in a SCIM app stays a task for its owner.
//
// # Discovery
//
// New reads /ServiceProviderConfig once and adapts: PATCH when the server
// supports it, else PUT of the whole resource (with If-Match when it
// advertises ETags); filtered queries when it supports filters, else
// paging through the resources and matching here. A server without the
// document (404, 405, 501, or a body that is not one) is assumed to
// support PATCH and filters, without bulk or ETags. If the server cannot be
// reached when New runs, New still returns the connector and discovery is
// tried again before each operation until it succeeds; a permanent
// failure, such as a rejected token (401, 403), fails New.
//
// # Correlation
//
// Every operation first finds the person's account, in this order, and
// stops at the first hit:
//
//  1. Subject.ExternalID, the app's id when the engine already knows it:
//     GET /Users/{id}, used unless it is linked to another person;
//  2. the person id in the employee-id attribute (Config.EmployeeIDAttr,
//     externalId by default): `externalId eq "<PersonID>"`;
//  3. the login name: `userName eq "<UserName or Email>"`.
//
// A userName match whose employee-id attribute names another person is
// not the subject's account: Read reports it absent and Ensure fails
// permanently, as two people cannot share a login. More than one match
// for a step is ambiguous and permanent: a human must merge the
// duplicates. Every match a server returns is checked here too, so a
// server that ignores filters cannot make the connector adopt the wrong
// account.
//
// Ensure adopts what correlation finds instead of creating a duplicate,
// writing the person id into the employee-id attribute, and otherwise
// creates with POST. A 409 on create (someone created the account since
// the lookup) re-runs correlation and adopts. Updates are minimal: one
// PATCH replace per attribute whose value differs (userName and emails
// compared without case, as SCIM does); nothing is sent when nothing
// differs. Disable replaces active with false, and sends nothing when it
// is false already; Ensure sets it back to true on a rehire. Delete is
// DELETE, and an account already gone is success.
//
// Entitlements are groups, named by displayName and resolved with
// `displayName eq "…"` to ids that are cached for the connector's life
// and resolved again when a cached id has gone. Grant adds the user to the
// group's members and Revoke removes it (`members[value eq "<id>"]`);
// without PATCH, the group is read and PUT back with its members edited.
// A group that does not exist is a permanent error naming it for Grant,
// and nothing to do for Revoke. Granting to an account not found yet is
// Retryable (its create may not be visible yet); a 409 on adding a member
// counts as already a member, and a noTarget on removing one as not a
// member. An account's entitlements come from the
// user's groups attribute when the server returns it, else from the
// groups whose members hold the user (`members[value eq "<id>"]`), else,
// when the server cannot filter on members, from listing the groups.
//
// # Errors
//
// Errors are classified for the queue (connector.Classify):
//
//   - 429, and 503 with Retry-After (seconds or an HTTP date): RateLimited
//     with that wait, capped at an hour; a 429 without Retry-After has
//     no wait, and the queue uses its own default;
//   - other 5xx, 409 outside a create, timeouts (Config.Timeout per
//     request), refused and dropped connections: Retryable;
//   - other 4xx (including 401 and 403), unexpected redirects, TLS
//     certificate failures, invalid configuration and bodies that are not
//     SCIM: Permanent, with the response body, cut to 4 KiB, as Detail.
//
// Nothing is retried inside a call: retries, backoff and snoozes are the
// queue's. The one exception is a 401 to an OAuth2 access token, which is
// sent once more with a freshly fetched token.
//
// # Authentication
//
// Config.Token is a bearer token; Config.Auth is Bearer, Basic (RFC 7617)
// or *OAuth2 (the client credentials grant, RFC 6749 §4.4, with the token
// cached until shortly before expires_in). Credentials are only ever
// written into Authorization headers. They are never logged, and they are
// removed from every error message and Detail, access tokens included, in
// case a server echoes the request back.
//
// # Mapping
//
// Config.Mapping adds SCIM attributes rendered from the person (see
// CheckMapping): core, sub- or extension attributes, compared and patched
// like the built-in ones, so an update stays minimal.
//
// # Limits
//
// At most Config.MaxConcurrent requests are in flight per connector, and
// Config.RatePerSecond, when set, spaces them with a token bucket whose
// burst is one second's worth. Responses above 32 MiB are refused.
package scimconn
