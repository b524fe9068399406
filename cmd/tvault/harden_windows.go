package main

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// hardenProcess keeps secrets and plaintext out of crash dumps and other
// processes' reach. Windows has no core-dump limit and no umask: files are
// made private where tvault creates them (internal/private). On Windows:
//
//   - no Windows Error Reporting. A crash handed to WER can leave a full
//     memory dump on disk (the LocalDumps policy) or send one to Microsoft.
//     Go's runtime already sets SEM_NOGPFAULTERRORBOX, which keeps WER out
//     of a crash, unless GOTRACEBACK=wer turned it back off at start-up:
//     setting it again here means no environment variable can do that.
//   - a process access list that lets other programs, the user's own
//     included, only wait for tvault, see its name and times (Task
//     Manager), and end it: no reading or writing its memory, no
//     debugger, no "Create dump file", no handle duplication. The entry
//     for OWNER RIGHTS takes from the owner the implicit right to rewrite
//     this list. Administrators, who hold the debug privilege, and SYSTEM
//     are not stopped; nor is a program of the same user that gets at
//     tvault's threads (their access lists are Windows' defaults), which
//     is harder but possible.
//
// Each is best effort: a failure leaves tvault working, less hardened.
func hardenProcess() {
	const noDialogsNoWER = windows.SEM_FAILCRITICALERRORS | windows.SEM_NOGPFAULTERRORBOX | windows.SEM_NOOPENFILEERRORBOX
	windows.SetErrorMode(windows.SetErrorMode(noDialogsNoWER) | noDialogsNoWER)
	_ = restrictProcessAccess()
}

// processAccess is what anyone without the debug privilege may still do to
// the tvault process.
const processAccess = windows.SYNCHRONIZE | windows.PROCESS_QUERY_LIMITED_INFORMATION | windows.PROCESS_TERMINATE

// restrictProcessAccess replaces the process's DACL (by default full access
// for the user, SYSTEM and the logon session) with a protected one granting
// processAccess to the user and to OWNER RIGHTS.
func restrictProcessAccess() error {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	sd, err := windows.SecurityDescriptorFromString(fmt.Sprintf("D:P(A;;%#x;;;%s)(A;;%#x;;;OW)",
		processAccess, u.User.Sid, processAccess))
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetSecurityInfo(windows.CurrentProcess(), windows.SE_KERNEL_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
