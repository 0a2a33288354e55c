// Package ldaptest runs a real OpenLDAP slapd for tests: a throwaway
// slapd.conf and mdb database in the test's temp dir, listening on free
// loopback ports, killed at cleanup. It never touches a system slapd or
// port 389.
//
// Tests call Require first: it skips unless TENURE_TEST_SLAPD is set, and
// fails instead when CI=true and slapd is missing, so CI cannot pass by
// skipping. connector/ldap/install-slapd.sh installs the Debian packages.
package ldaptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paths of the Debian slapd package.
const (
	Slapd     = "/usr/sbin/slapd"
	Slapadd   = "/usr/sbin/slapadd"
	SchemaDir = "/etc/ldap/schema"
	ModuleDir = "/usr/lib/ldap"
)

// Layout of every test directory: a suffix and the OUs the connector's
// tests use, and a password policy that makes ppolicy enforce
// pwdAccountLockedTime on bind.
const (
	Suffix      = "dc=example,dc=test"
	RootDN      = "cn=admin," + Suffix
	PeopleDN    = "ou=people," + Suffix
	GroupsDN    = "ou=groups," + Suffix
	DisabledDN  = "ou=disabled," + Suffix
	ServicesDN  = "ou=services," + Suffix
	PolicyDN    = "cn=default-policy," + Suffix
	rootPWBytes = 18
)

// Require skips the test unless TENURE_TEST_SLAPD is set. Under CI=true
// a missing slapd fails the test instead of skipping it.
func Require(t testing.TB) {
	t.Helper()
	_, statErr := os.Stat(Slapd)
	if os.Getenv("CI") == "true" && statErr != nil {
		t.Fatalf("CI=true but %s is missing (%v): run connector/ldap/install-slapd.sh", Slapd, statErr)
	}
	if os.Getenv("TENURE_TEST_SLAPD") == "" {
		t.Skip("TENURE_TEST_SLAPD is unset: skipping the test against a real slapd")
	}
	if statErr != nil {
		t.Fatalf("TENURE_TEST_SLAPD is set but %s is missing: run connector/ldap/install-slapd.sh", Slapd)
	}
}

// Options shape the server.
type Options struct {
	// TLS makes the server also listen on ldaps:// and accept StartTLS,
	// with a certificate for 127.0.0.1 signed by a throwaway CA (CAFile).
	TLS bool
	// Seed writes LDIF entries to load with slapadd before the server
	// starts (the fast way to fill a directory for a benchmark). The base
	// entries (suffix, OUs, policy) are loaded already.
	Seed func(w io.Writer) error
	// MemberOf loads the memberof overlay for groups of this object class
	// ("groupOfNames" or "groupOfUniqueNames"; empty: no overlay), which
	// keeps memberOf on member entries as groups change. slapadd does not
	// run overlays: a Seed writes memberOf itself.
	MemberOf string
}

// Server is a running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:port; LDAPSURL is ldaps://… when Options.TLS.
	URL, LDAPSURL string
	// CAFile verifies the server certificate when Options.TLS.
	CAFile string
	// RootPW is the password of RootDN.
	RootPW string
	// Dir is the server's directory (config, database, certificates).
	Dir string

	cmd      *exec.Cmd
	stopOnce sync.Once
	exited   chan struct{}
}

// Start runs slapd for the test and stops it at cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	s := &Server{Dir: dir, RootPW: randomHex(rootPWBytes)}
	if opts.TLS {
		if err := s.writeCerts(); err != nil {
			t.Fatalf("ldaptest: certificates: %v", err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "slapd.conf"), []byte(s.config(opts)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.load(opts.Seed); err != nil {
		t.Fatalf("ldaptest: slapadd: %v", err)
	}
	var err error
	for range 3 { // a free port can be taken between probe and bind
		if err = s.run(opts.TLS); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("ldaptest: start slapd: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Pid is the slapd process id (to read its memory from /proc).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop kills the server and waits for it to exit. Safe to call twice.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

func (s *Server) config(opts Options) string {
	var b strings.Builder
	for _, sc := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s/%s.schema\n", SchemaDir, sc)
	}
	fmt.Fprintf(&b, "modulepath %s\nmoduleload back_mdb\nmoduleload ppolicy\n", ModuleDir)
	// Sorted member values: membership tests on big groups are binary
	// searches, not scans (what a production directory should set too).
	b.WriteString("sortvals member uniqueMember\n")
	fmt.Fprintf(&b, "pidfile %s\n", filepath.Join(s.Dir, "slapd.pid"))
	if opts.MemberOf != "" {
		b.WriteString("moduleload memberof\n")
	}
	if opts.TLS {
		fmt.Fprintf(&b, "TLSCertificateFile %s\nTLSCertificateKeyFile %s\n",
			filepath.Join(s.Dir, "server.pem"), filepath.Join(s.Dir, "server.key"))
	}
	fmt.Fprintf(&b, "database mdb\nsuffix %q\nrootdn %q\nrootpw %s\ndirectory %s\nmaxsize 1073741824\n",
		Suffix, RootDN, s.RootPW, filepath.Join(s.Dir, "db"))
	b.WriteString("index objectClass,entryUUID eq\nindex uid,mail,employeeNumber,cn eq\nindex member,uniqueMember eq\n")
	fmt.Fprintf(&b, "overlay ppolicy\nppolicy_default %q\n", PolicyDN)
	if opts.MemberOf != "" {
		member := "member"
		if opts.MemberOf == "groupOfUniqueNames" {
			member = "uniqueMember"
		}
		fmt.Fprintf(&b, "overlay memberof\nmemberof-group-oc %s\nmemberof-member-ad %s\nmemberof-memberof-ad memberOf\nmemberof-refint TRUE\n",
			opts.MemberOf, member)
	}
	return b.String()
}

// baseLDIF is the suffix, the OUs and the default password policy.
func baseLDIF() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n", Suffix)
	for _, ou := range []string{PeopleDN, GroupsDN, DisabledDN, ServicesDN} {
		name := strings.TrimPrefix(strings.Split(ou, ",")[0], "ou=")
		fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\nou: %s\n\n", ou, name)
	}
	fmt.Fprintf(&b, "dn: %s\nobjectClass: pwdPolicy\nobjectClass: person\ncn: default-policy\nsn: policy\npwdAttribute: userPassword\npwdLockout: TRUE\n\n", PolicyDN)
	return b.String()
}

// load writes the base entries and the seed into an LDIF file and loads
// it with slapadd (offline, quick mode).
func (s *Server) load(seed func(io.Writer) error) error {
	path := filepath.Join(s.Dir, "seed.ldif")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	_, err = io.WriteString(w, baseLDIF())
	if err == nil && seed != nil {
		err = seed(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	out, err := exec.Command(Slapadd, "-q", "-f", filepath.Join(s.Dir, "slapd.conf"), "-l", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// run starts slapd on fresh ports and waits for its "slapd starting" line.
func (s *Server) run(withTLS bool) error {
	p1, err := freePort()
	if err != nil {
		return err
	}
	urls := fmt.Sprintf("ldap://127.0.0.1:%d/", p1)
	ldaps := ""
	if withTLS {
		p2, err := freePort()
		if err != nil {
			return err
		}
		ldaps = fmt.Sprintf("ldaps://127.0.0.1:%d", p2)
		urls += " " + ldaps + "/"
	}
	// -d 8 (LDAP_DEBUG_CONNS) keeps slapd in the foreground, so it is our
	// child to kill, and logs "daemon: added <fd>r listener=0x…" once a
	// listening socket is open: the readiness signal ("slapd starting"
	// comes before the sockets listen).
	cmd := exec.Command(Slapd, "-f", filepath.Join(s.Dir, "slapd.conf"), "-h", urls, "-d", "8")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	listeners := strings.Count(urls, "://")
	exited := make(chan struct{})
	started := make(chan struct{})
	var log bytes.Buffer // the startup log, for the error if it fails
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if listeners == 0 {
				continue // drain: slapd blocks on a full pipe
			}
			logMu.Lock()
			log.WriteString(line + "\n")
			logMu.Unlock()
			if strings.Contains(line, "daemon: added") && strings.Contains(line, "listener=0x") {
				if listeners--; listeners == 0 {
					close(started)
				}
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case <-started:
	case <-exited:
		logMu.Lock()
		defer logMu.Unlock()
		return fmt.Errorf("slapd exited: %s", log.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("slapd did not start within 30s")
	}
	s.cmd, s.exited = cmd, exited
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", p1)
	s.LDAPSURL = ldaps
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeCerts makes a CA (ca.pem = CAFile) and a server certificate for
// 127.0.0.1 and localhost signed by it.
func (s *Server) writeCerts() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ldaptest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	s.CAFile = filepath.Join(s.Dir, "ca.pem")
	files := map[string][]byte{
		s.CAFile:                           pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		filepath.Join(s.Dir, "server.pem"): pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		filepath.Join(s.Dir, "server.key"): pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	for path, b := range files {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
