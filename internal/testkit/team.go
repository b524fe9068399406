package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

// Passphrase protects every test identity file.
const Passphrase = "correct horse battery staple"

// WorkFactor is the test-only scrypt log2(N): fast, and insecure.
const WorkFactor = 10

// Member is one person of the test team.
type Member struct {
	Name     string
	Role     string
	Classic  bool
	Identity *tcrypto.Identity
	Path     string // identity file, passphrase-protected
}

// Team is the example team of shared/examples/policy.toml.
type Team struct {
	Dir      string
	Members  []*Member
	Policy   []byte
	PassFile string
}

// Roster is the example policy's team: name, role, classic key.
var Roster = []struct {
	Name, Role string
	Classic    bool
}{
	{"admin-kyiv", "admin", false},
	{"olena", "researcher", false},
	{"mykola", "analyst", true},
	{"iryna", "legal", false},
	{"taras", "legal", false},
}

// Get returns the member called name; it panics on a name not in Roster.
func (t *Team) Get(name string) *Member {
	for _, m := range t.Members {
		if m.Name == name {
			return m
		}
	}
	panic("testkit: no member " + name)
}

// PolicyHead is the example policy without its members, with identity's
// threshold left to the caller.
func PolicyHead(identityThreshold int) string {
	th := ""
	if identityThreshold > 1 {
		th = fmt.Sprintf("threshold = %d\n", identityThreshold)
	}
	return `name = "incommunicado-detention-2024"

[classes.testimony]
description = "Redacted transcripts, audio and video of the interview"

[classes.identity]
description = "Names, contacts, faces and exact places of interviewees and their families"
` + th + `
[roles.admin]
can = ["policy", "audit"]

[roles.researcher]
can = ["seal"]

[roles.analyst]
decrypt = ["testimony"]

[roles.legal]
decrypt = ["testimony", "identity"]
can = ["audit", "erase", "keys"]

[public.category]
type = "enum"
values = ["pow", "pow-family", "missing-family", "civilian", "civilian-family", "russian-pow"]
required = true

[public.region]
type = "text"

[public.interviewed]
type = "month"

[public.language]
type = "text"

[public.topics]
type = "list"
`
}

// NewTeam creates the team's identity files in dir/keys, a passphrase file
// dir/pass and the policy dir/policy.toml.
func NewTeam(dir string, identityThreshold int) (*Team, error) {
	t := &Team{Dir: dir, PassFile: filepath.Join(dir, "pass")}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return nil, err
	}
	// Private on every platform, as tvault requires of a passphrase file
	// (on Windows the mode means nothing; private sets an access list).
	pf, err := private.Create(t.PassFile)
	if err != nil {
		return nil, err
	}
	if _, err := pf.WriteString(Passphrase + "\n"); err != nil {
		pf.Close()
		return nil, err
	}
	if err := pf.Close(); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(PolicyHead(identityThreshold))
	for _, r := range Roster {
		id, err := tcrypto.GenerateIdentity(r.Classic)
		if err != nil {
			return nil, err
		}
		m := &Member{Name: r.Name, Role: r.Role, Classic: r.Classic, Identity: id,
			Path: filepath.Join(dir, "keys", r.Name+".age")}
		if err := tcrypto.WriteIdentityFile(m.Path, id, Passphrase, tcrypto.FileOptions{WorkFactor: WorkFactor}); err != nil {
			return nil, err
		}
		c := id.Card()
		fmt.Fprintf(&b, "\n[[members]]\nname = %q\nroles = [%q]\nrecipient = %q\nsigning_key = %q\ncard_sig = %q\n",
			r.Name, r.Role, c.Recipient, c.SigningKey, c.Signature)
		t.Members = append(t.Members, m)
	}
	t.Policy = []byte(b.String())
	if err := os.WriteFile(filepath.Join(dir, "policy.toml"), t.Policy, 0o600); err != nil {
		return nil, err
	}
	return t, nil
}

// WriteForm writes the example form and its attachments into dir, with the
// given canary strings inside the testimony and identity content, and
// returns the form's path.
func WriteForm(dir string, canary string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	files := map[string]string{
		"transcript-redacted.txt": "Redacted transcript " + canary + "-testimony\n",
		"interview.opus":          "OggS fake audio " + canary + "-audio\n",
		"consent-form.jpg":        "fake jpeg " + canary + "-consent\n",
		"transcript-full.txt":     "Повний транскрипт " + canary + "-identity\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o600); err != nil {
			return "", err
		}
	}
	form := fmt.Sprintf(`[public]
category = "pow-family"
region = "Kharkiv oblast"
interviewed = "2024-05"
language = "uk"
topics = ["incommunicado", "denial-of-medical-care"]

[testimony]
summary = "Son captured in April 2022 %[1]s-summary"
detention_site = "unknown; last seen at a filtration point"
files = ["transcript-redacted.txt", "interview.opus"]

[identity]
interviewee = "Олена Петренко %[1]s-name"
relation = "mother"
contact = "+380 67 000 0000"
detainee = "Петро Петренко, 1998"
files = ["consent-form.jpg", "transcript-full.txt"]
`, canary)
	p := filepath.Join(dir, "form.toml")
	return p, os.WriteFile(p, []byte(form), 0o600)
}
