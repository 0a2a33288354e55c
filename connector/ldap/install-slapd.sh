#!/bin/sh
# Installs OpenLDAP's slapd and ldap-utils for the connector/ldap tests
# (TENURE_TEST_SLAPD=1). The tests start their own slapd on a loopback port
# with a throwaway configuration; the system instance the Debian package
# sets up is not used, so it is stopped and kept from starting.
# Idempotent: safe to run again on a machine that already has them.
set -eu

need=""
[ -x /usr/sbin/slapd ] || need="$need slapd"
command -v ldapadd >/dev/null 2>&1 || need="$need ldap-utils"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ -n "$need" ]; then
	# A policy-rc.d answering 101 keeps the package's postinst from
	# starting the system slapd (and grabbing port 389) during install.
	policy=/usr/sbin/policy-rc.d
	added_policy=""
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
		as_root chmod 755 "$policy"
		added_policy=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
	# shellcheck disable=SC2086 # $need is a list of package names
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
	if [ -n "$added_policy" ]; then as_root rm -f "$policy"; fi
fi

# Stop a system slapd if one runs anyway (an earlier install, a service
# manager): the tests do not need it.
if command -v service >/dev/null 2>&1; then
	as_root service slapd stop >/dev/null 2>&1 || true
fi
if [ -r /run/slapd/slapd.pid ]; then
	pid=$(cat /run/slapd/slapd.pid)
	[ -n "$pid" ] && as_root kill "$pid" 2>/dev/null || true
fi

/usr/sbin/slapd -VV 2>&1 | head -n 1
for s in core cosine inetorgperson nis; do
	[ -r "/etc/ldap/schema/$s.schema" ] || { echo "missing /etc/ldap/schema/$s.schema" >&2; exit 1; }
done
