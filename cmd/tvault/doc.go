// Command tvault is the command-line interface of the tvault testimony
// vault. It parses flags, asks for passphrases, formats output and maps
// errors to exit codes; the work is done by package vault.
//
// Exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 denied, 4
// integrity failure, 5 not found; 128 plus the signal's number (130, 143,
// 129) when SIGINT, SIGTERM or SIGHUP stopped the command, after it removed
// what it had half written. See shared/CLI.md for the contract.
package main
