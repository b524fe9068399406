package private

// This file is the Windows rule of Check as a pure function over what
// acl_windows.go reads of a security descriptor, so that it is tested on
// every platform.

// Well-known SIDs.
const (
	sidEveryone       = "S-1-1-0"
	sidOwnerRights    = "S-1-3-4" // the object's owner, whoever that is
	sidSystem         = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
)

// Access rights (winnt.h) that let a holder read a file's data, change it,
// or give themselves either: for a folder, list it, add to it or delete in
// it. Reading attributes, the security descriptor itself (READ_CONTROL) or
// waiting on the file (SYNCHRONIZE) reveals nothing of the content, as a
// world-readable folder entry on Unix does not; DELETE of the file itself
// is, as on Unix, a matter of its folder.
const (
	fileReadData    = 0x00000001 // FILE_LIST_DIRECTORY for a folder
	fileWriteData   = 0x00000002 // FILE_ADD_FILE
	fileAppendData  = 0x00000004 // FILE_ADD_SUBDIRECTORY
	fileDeleteChild = 0x00000040
	writeDAC        = 0x00040000
	writeOwner      = 0x00080000
	maximumAllowed  = 0x02000000
	genericAll      = 0x10000000
	genericWrite    = 0x40000000
	genericRead     = 0x80000000

	exposingRights = fileReadData | fileWriteData | fileAppendData | fileDeleteChild |
		writeDAC | writeOwner | maximumAllowed | genericAll | genericWrite | genericRead
)

// ACE flags.
const inheritOnlyACE = 0x08

// securityInfo is what Check needs of a security descriptor.
type securityInfo struct {
	owner string // the owner's SID
	// noDACL: the descriptor has no DACL, or a NULL one, which Windows
	// reads as full access for everyone (unlike an empty DACL, which grants
	// nothing).
	noDACL bool
	aces   []aceInfo
}

// aceInfo is one entry of a DACL.
type aceInfo struct {
	// deny: an access-denied entry, of any kind. Everything else counts
	// as granting, including kinds tvault does not know.
	deny bool
	// flags are the ACE's flags: an inherit-only entry applies to what is
	// created below a folder, not to the object itself.
	flags uint8
	mask  uint32
	// sid is the trustee, or "" for an entry whose layout holds no plain
	// SID where tvault reads one (object ACEs, which file systems do not
	// use): such an entry counts as someone else.
	sid string
}

// trusted reports whether sid may read anything on the machine regardless
// of any access list, or is the current user.
func trusted(sid, user string) bool {
	return sid == user || sid == sidSystem || sid == sidAdministrators
}

// exposure judges an object with this security. ownerExposed reports an
// owner other than user, SYSTEM and Administrators (an owner may always
// rewrite the DACL). others are, in order of appearance and each once, the
// SIDs other than those three whom the DACL lets read or change the object:
// everyone if there is no DACL, else the trustee of every allow entry that
// applies to the object and grants any of exposingRights ("" for an entry
// whose trustee is not read).
//
// Deny entries are ignored rather than weighed against allow entries: this
// can only report more, never less, than Windows would grant. An entry for
// OWNER RIGHTS is the owner's, and as trusted as the owner.
func exposure(s securityInfo, user string) (ownerExposed bool, others []string) {
	add := func(sid string) {
		for _, o := range others {
			if o == sid {
				return
			}
		}
		others = append(others, sid)
	}
	ownerExposed = !trusted(s.owner, user)
	if s.noDACL {
		add(sidEveryone)
		return ownerExposed, others
	}
	for _, a := range s.aces {
		if a.deny || a.flags&inheritOnlyACE != 0 || a.mask&exposingRights == 0 {
			continue
		}
		if trusted(a.sid, user) || (a.sid == sidOwnerRights && !ownerExposed) {
			continue
		}
		add(a.sid)
	}
	return ownerExposed, others
}
