package main

import (
	"context"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap"
)

// ldapConnector builds an app's LDAP connector. The bind password comes
// only from the environment variable or file the config names.
func (a *app) ldapConnector(ctx context.Context, tenant string, app *config.App) (connector.Connector, error) {
	c, x := &app.Connector, &app.Connector.LDAP
	pw, err := readSecret("bind_password", x.BindPasswordEnv, x.BindPasswordFile)
	if err != nil {
		return nil, err
	}
	return ldap.New(ctx, ldap.Config{
		URL: c.URL, StartTLS: x.StartTLS, CAFile: x.CAFile, BindDN: x.BindDN, BindPassword: pw,
		UserBaseDN: x.UserBaseDN, UserFilter: x.UserFilter, RDNAttr: x.RDNAttr, ObjectClasses: x.ObjectClasses,
		Attributes: ldap.AttributeMap{
			PersonID: x.Attributes.PersonID, Email: x.Attributes.Email, UserName: x.Attributes.UserName,
			GivenName: x.Attributes.GivenName, FamilyName: x.Attributes.FamilyName,
			DisplayName: x.Attributes.DisplayName, Extra: x.Attributes.Extra,
		},
		GroupBaseDN: x.GroupBaseDN, GroupStyle: ldap.GroupStyle(x.GroupStyle), GroupNameAttr: x.GroupNameAttr,
		MemberOfAttr: x.MemberOfAttr, EmptyGroupMember: x.EmptyGroupMember,
		Disable: ldap.DisableConfig{
			Mode: ldap.DisableMode(x.Disable.Mode), LockAttr: x.Disable.LockAttr, LockValue: x.Disable.LockValue,
			ExpireAttr: x.Disable.ExpireAttr, ExpireValue: x.Disable.ExpireValue,
			ExpireObjectClass: x.Disable.ExpireObjectClass, BaseDN: x.Disable.BaseDN,
		},
		ServiceBaseDN: x.ServiceBaseDN, OwnerAttr: x.OwnerAttr,
		Timeout: c.Timeout.Duration, PageSize: x.PageSize,
		Logger: a.log.With("tenant", tenant, "app", app.ID),
	})
}
