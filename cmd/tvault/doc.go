// Command tvault is the command-line interface of the tvault testimony
// vault. It parses flags, asks for passphrases, formats output and maps
// errors to exit codes; the work is done by package vault.
//
// Exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 denied, 4
// integrity failure, 5 not found. See shared/CLI.md for the contract.
package main
