package private

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/windows"
)

// skipOnWine skips a test of real access lists under wine, which keeps
// none: it derives a file's DACL from its Unix mode and drops the one
// given at creation. Only Windows itself can run these tests.
func skipOnWine(t *testing.T) {
	t.Helper()
	if windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil {
		t.Skip("wine does not implement Windows access lists; this test needs Windows")
	}
}

// securityOf reads path's owner, DACL and control flags.
func securityOf(t *testing.T, path string) (securityInfo, windows.SECURITY_DESCRIPTOR_CONTROL) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSecurity(sd)
	if err != nil {
		t.Fatal(err)
	}
	control, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	return s, control
}

// TestCreatedACL: what Create, MkdirAll and the temp functions make is owned
// by the current user, with a protected DACL whose one entry gives that
// user full access; a folder's entry is inherited by what is created below
// it by plain os calls.
func TestCreatedACL(t *testing.T) {
	skipOnWine(t)
	me, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	folder := filepath.Join(dir, "a", "b")
	if err := MkdirAll(folder); err != nil {
		t.Fatal(err)
	}
	f, err := Create(filepath.Join(folder, "f"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	tmp, err := MkdirTemp(folder, "t*")
	if err != nil {
		t.Fatal(err)
	}
	tf, err := CreateTemp(dir, "t*")
	if err != nil {
		t.Fatal(err)
	}
	tf.Close()
	inherited := filepath.Join(folder, "plain")
	if err := os.WriteFile(inherited, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	restricted := filepath.Join(dir, "restricted")
	if err := os.Mkdir(restricted, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Restrict(restricted); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path      string
		folder    bool
		protected bool
		owned     bool // made owned by the user (Restrict leaves the owner)
	}{
		{filepath.Join(dir, "a"), true, true, true},
		{folder, true, true, true},
		{tmp, true, true, true},
		{filepath.Join(folder, "f"), false, true, true},
		{tf.Name(), false, true, true},
		{inherited, false, false, false},
		{restricted, true, true, false},
	} {
		s, control := securityOf(t, tt.path)
		if s.owner != me && tt.owned {
			t.Errorf("%s: owner %s, want %s", tt.path, s.owner, me)
		}
		if (control&windows.SE_DACL_PROTECTED != 0) != tt.protected {
			t.Errorf("%s: control %#x, want protected = %v", tt.path, control, tt.protected)
		}
		if s.noDACL || len(s.aces) != 1 {
			t.Fatalf("%s: DACL %+v, want one entry", tt.path, s)
		}
		a := s.aces[0]
		var wantFlags uint8
		if tt.folder {
			wantFlags = windows.OBJECT_INHERIT_ACE | windows.CONTAINER_INHERIT_ACE
		}
		if !tt.protected {
			wantFlags = windows.INHERITED_ACE
		}
		if a.deny || a.sid != me || a.mask != fileAllAccess || a.flags != wantFlags {
			t.Errorf("%s: entry %+v, want full access for %s, flags %#x", tt.path, a, me, wantFlags)
		}
	}
}

// TestCheckWindows: Check reads the real DACL and refuses a file another
// account may read, naming that account.
func TestCheckWindows(t *testing.T) {
	skipOnWine(t)
	me, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name, sddl string
		others     []string
	}{
		{"mine", "D:P(A;;FA;;;" + me + ")", nil},
		{"profile default", "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;" + me + ")", nil},
		{"users read", "D:P(A;;FA;;;" + me + ")(A;;FR;;;BU)", []string{"S-1-5-32-545"}},
		{"everyone", "D:P(A;;FA;;;" + me + ")(A;;FA;;;WD)", []string{sidEveryone}},
		{"inherit only", "D:P(A;;FA;;;" + me + ")(A;IO;FR;;;BU)", nil},
		{"null DACL", "D:NO_ACCESS_CONTROL", []string{sidEveryone}},
	} {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		sd, err := windows.SecurityDescriptorFromString(tt.sddl)
		if err != nil {
			t.Fatal(err)
		}
		dacl, _, err := sd.DACL()
		if err != nil {
			t.Fatal(err)
		}
		if err := windows.SetNamedSecurityInfo(p, windows.SE_FILE_OBJECT,
			windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(f)
		f.Close()
		var xe *ExposedError
		if tt.others == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.As(err, &xe) {
			t.Errorf("%s: Check = %v, want *ExposedError", tt.name, err)
			continue
		}
		var want []string
		for _, sid := range tt.others {
			want = append(want, accountName(sid))
		}
		if !slices.Equal(xe.Others, want) || xe.Path != p {
			t.Errorf("%s: %+v, want others %q", tt.name, xe, want)
		}
	}
}

// fileAllAccess is FILE_ALL_ACCESS, what SDDL's FA means.
const fileAllAccess = 0x001f01ff
