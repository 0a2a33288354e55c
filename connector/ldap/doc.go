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
// Accounts are identified by entryUUID (RFC 4530), which survives renames
// and moves; an entry is correlated to a person by employeeNumber first,
// then by uid, then by mail, and adopted rather than duplicated.
package ldap
