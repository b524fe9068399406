package private

import (
	"slices"
	"testing"
)

// TestExposure pins the Windows rule of Check on every platform, over
// security descriptors as acl_windows.go reads them.
func TestExposure(t *testing.T) {
	const (
		me    = "S-1-5-21-1-2-3-1001"
		bob   = "S-1-5-21-1-2-3-1002"
		users = "S-1-5-32-545"
		auth  = "S-1-5-11" // Authenticated Users
		full  = 0x001f01ff // FILE_ALL_ACCESS
		read  = 0x00120089 // FILE_GENERIC_READ
		write = 0x00120116 // FILE_GENERIC_WRITE
		exec  = 0x001200a0 // FILE_GENERIC_EXECUTE: no data
		attrs = 0x00120080 // FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE
	)
	allow := func(sid string, mask uint32) aceInfo { return aceInfo{sid: sid, mask: mask} }
	for _, tt := range []struct {
		name  string
		s     securityInfo
		want  []string
		owner bool // the owner is exposed
	}{
		{"what Create makes", securityInfo{owner: me, aces: []aceInfo{allow(me, full)}}, nil, false},
		{"a user profile's default", securityInfo{owner: me, aces: []aceInfo{
			allow(sidSystem, full), allow(sidAdministrators, full), allow(me, full)}}, nil, false},
		{"elevated: Administrators own it", securityInfo{owner: sidAdministrators, aces: []aceInfo{allow(me, full)}}, nil, false},
		{"owned by SYSTEM", securityInfo{owner: sidSystem, aces: []aceInfo{allow(me, read)}}, nil, false},
		{"an empty DACL grants nothing", securityInfo{owner: me}, nil, false},
		{"no DACL: everyone", securityInfo{owner: me, noDACL: true}, []string{sidEveryone}, false},
		{"Users may read", securityInfo{owner: me, aces: []aceInfo{allow(me, full), allow(users, read)}}, []string{users}, false},
		{"Everyone may write", securityInfo{owner: me, aces: []aceInfo{allow(me, full), allow(sidEveryone, write)}}, []string{sidEveryone}, false},
		{"a data drive's root", securityInfo{owner: me, aces: []aceInfo{
			allow(sidAdministrators, full), allow(sidSystem, full), allow(auth, 0x1301bf), allow(users, read)}}, []string{auth, users}, false},
		{"another user may only change its access list", securityInfo{owner: me, aces: []aceInfo{allow(me, full), allow(bob, writeDAC)}}, []string{bob}, false},
		{"generic read", securityInfo{owner: me, aces: []aceInfo{allow(bob, genericRead)}}, []string{bob}, false},
		{"generic all", securityInfo{owner: me, aces: []aceInfo{allow(bob, genericAll)}}, []string{bob}, false},
		{"attributes only", securityInfo{owner: me, aces: []aceInfo{allow(me, full), allow(sidEveryone, attrs)}}, nil, false},
		{"execute only", securityInfo{owner: me, aces: []aceInfo{allow(me, full), allow(users, exec)}}, nil, false},
		{"inherit-only entries do not apply", securityInfo{owner: me, aces: []aceInfo{
			allow(me, full), {sid: users, mask: read, flags: inheritOnlyACE}}}, nil, false},
		{"inherited entries do", securityInfo{owner: me, aces: []aceInfo{
			allow(me, full), {sid: users, mask: read, flags: 0x10}}}, []string{users}, false},
		{"deny entries are not weighed", securityInfo{owner: me, aces: []aceInfo{
			{sid: users, mask: read, deny: true}, allow(users, read)}}, []string{users}, false},
		{"owned by another user", securityInfo{owner: bob, aces: []aceInfo{allow(me, full)}}, nil, true},
		{"another owner who may read", securityInfo{owner: bob, aces: []aceInfo{allow(bob, read), allow(bob, write)}}, []string{bob}, true},
		{"no owner", securityInfo{aces: []aceInfo{allow(me, full)}}, nil, true},
		{"OWNER RIGHTS for a trusted owner", securityInfo{owner: me, aces: []aceInfo{allow(sidOwnerRights, full)}}, nil, false},
		{"OWNER RIGHTS for another owner", securityInfo{owner: bob, aces: []aceInfo{allow(sidOwnerRights, full)}}, []string{sidOwnerRights}, true},
		{"an entry whose trustee is not read", securityInfo{owner: me, aces: []aceInfo{allow(me, full), allow("", read)}}, []string{""}, false},
	} {
		owner, got := exposure(tt.s, me)
		if !slices.Equal(got, tt.want) || owner != tt.owner {
			t.Errorf("%s: exposure = %v, %q, want %v, %q", tt.name, owner, got, tt.owner, tt.want)
		}
	}
}
