// Package ldap is the connector for LDAP directories (OpenLDAP, 389 DS,
// any RFC 4511 server): people are entries under a users base DN,
// entitlements are static groups (groupOfNames/member or
// groupOfUniqueNames/uniqueMember) under a groups base DN.
//
// It implements the core connector.Connector (Read, Ensure, Disable,
// Delete), connector.GroupManager (group membership), connector.Lister (a
// Simple Paged Results search, RFC 2696, one page per call) and
// connector.OwnershipTransferer (a DN-valued owner attribute, "manager" by
// default, on service-account entries).
//
// Disabling is configurable because LDAP has no standard "disabled" flag:
// a lock attribute (OpenLDAP ppolicy's pwdAccountLockedTime by default),
// an expiry attribute (shadowExpire, for PAM/NSS clients), or a move to a
// disabled OU that the apps do not search. Whichever is chosen, Read
// reports it and Ensure undoes it on a rehire.
//
// Entitlements are the names (GroupNameAttr, cn) of the groups under the
// groups base that list the entry's DN. By default they are found with a
// search of the groups (one per page when listing, with the RFC 3876
// values-return control so big groups do not send every member); with
// member_of_attr they are read from the entry's memberOf (OpenLDAP's
// memberof overlay, Active Directory), which is much faster on large
// groups. A group's schema requires a member, so the last member leaving
// is replaced by a placeholder (the group's own DN by default), never
// left empty. uniqueMember values carrying the optional "#'…'B" UID are
// not recognised.
//
// Accounts are identified by entryUUID (RFC 4530), which survives renames
// and moves; an entry is correlated to a person by employeeNumber first,
// then by uid, then by mail, and adopted rather than duplicated. Two
// matches for one rule, or an entry found by uid or mail that carries
// another person's employeeNumber, is a Permanent error: never a guess.
//
// Every filter value is escaped (ldap.EscapeFilter) and every DN value
// escaped (RFC 4514), so a subject's attributes cannot widen a search.
// Errors are classified by LDAP result code: busy, unavailable, time or
// admin limit, and connection failures are Retryable; the server's
// refusals (invalid credentials, insufficient access, constraint, syntax
// and object-class violations …) are Permanent, with the server's
// diagnostic message in Detail. The bind password never appears in an
// error or a log line. Operations are bounded by Config.Timeout rather
// than by the context, which is checked before each request.
package ldap
