// Package private creates files and folders that only the current user can
// use, and checks that an existing file is so, on every platform tvault
// supports.
//
// On Unix (Linux, macOS) a private folder is mode 0700 and a private file
// mode 0600; tvault also sets its umask to 077 at start, so that whatever
// else it creates (Badger's files) is private too. Permission bits are what
// the kernel enforces there.
//
// Windows ignores those bits: a file created with mode 0600 gets the access
// list it inherits from its folder, which on a data drive or a shared folder
// often lets every user of the machine read it. On Windows this package
// therefore creates every file and folder with an explicit, protected
// access list (a DACL that inherits nothing from above) whose one entry
// gives the current user full control, and makes the current user its
// owner. A folder's entry is inherited by everything later created below it,
// by tvault or by a library such as Badger, so one private folder makes its
// whole tree private. The access list is given to CreateFile and
// CreateDirectory themselves: there is no moment at which the new file
// exists with a wider one, in which another user could open it and keep the
// handle. [Restrict] does the same for a file or folder that exists already
// (on Windows, by replacing its access list), for the rare case where
// tvault must use a folder it did not create.
//
// Nobody else is granted anything, not SYSTEM nor the Administrators group:
// both can read any file on the machine anyway (backup and take-ownership
// privileges), so an entry for them would protect nothing more, while its
// absence keeps services that honour access lists, such as the search
// indexer, from reading plaintext that tvault writes, and makes an
// administrator take a deliberate, visible step to read it. [Check], which
// judges files tvault did not necessarily create, accepts those two as well,
// as OpenSSH for Windows does for private keys.
//
// On a drive without access lists (FAT or exFAT, as on many USB sticks)
// Windows drops the access list silently, as Unix drops modes on such
// drives: anyone can read what is written there, and [Check] says so.
//
// Everything here fails with the usual *fs.PathError (errors.Is(err,
// fs.ErrExist) for a name that exists) or, from [Check], *ExposedError.
// Nothing prints, prompts or reads the environment.
package private
