#!/bin/sh
# The layering (shared/DESIGN.md, "Packages"): imports point one way,
#   cmd/tvault -> vault -> {internal/store, internal/keys, internal/record,
#                           audit, blobs, crypto, policy}
# The compiler enforces most of it through internal/; this is the second
# guard, and it also keeps the leaves apart from each other.
set -eu
mod=$(go list -m)
fail=0
bad() { echo "$1"; fail=1; }
for pkg in $(go list ./...); do
	rel=${pkg#"$mod"/}
	deps=$(go list -deps "$pkg" | grep "^$mod/" | grep -vx "$pkg" || true)
	imports=$(go list -f '{{join .Imports "\n"}}' "$pkg")
	has() { echo "$deps" | grep -q "^$mod/$1\(/\|$\)"; }
	# Third-party seams: one package each.
	if [ "$rel" != cmd/tvault ] && go list -deps "$pkg" | grep -q '^github.com/urfave/cli'; then
		bad "$rel depends on urfave/cli: only cmd/tvault may"
	fi
	if [ "$rel" != vault/internal/store ] && echo "$imports" | grep -q '^github.com/dgraph-io/badger'; then
		bad "$rel imports badger: only vault/internal/store may"
	fi
	case "$rel" in
	cmd/tvault)
		for p in $(echo "$imports" | grep "^$mod/" | sed "s|^$mod/||"); do
			case "$p" in
			vault | vault/audit | crypto | policy | internal/*) ;;
			*) bad "cmd/tvault imports $p: the CLI reaches the engine only through vault" ;;
			esac
		done
		;;
	policy)
		if has crypto || has vault; then bad "policy imports crypto or vault: it must stay pure"; fi
		;;
	crypto | crypto/*)
		if has policy || has vault; then bad "$rel imports policy or vault"; fi
		;;
	vault/internal/fault)
		if [ -n "$deps" ]; then bad "vault/internal/fault imports tvault packages: it holds only sentinels"; fi
		;;
	vault/internal/record | vault/internal/keys)
		if has vault/internal/store || has vault/blobs || has vault/audit; then
			bad "$rel reads storage or the audit log: it must work without a vault"
		fi
		;;
	vault/blobs | vault/blobs/*)
		if has vault/internal/store || has vault/internal/record || has vault/internal/keys || has vault/audit; then
			bad "$rel imports the engine's internals: a blob store knows only bytes"
		fi
		;;
	vault/audit)
		if has vault/internal/store || has vault/blobs; then bad "vault/audit imports storage: it works on its Backend"; fi
		;;
	vault/internal/store)
		if has vault/internal/record || has vault/internal/keys || has vault/audit; then
			bad "vault/internal/store decides meaning: it must only store bytes"
		fi
		;;
	esac
	# Nothing below the facade imports it.
	case "$rel" in
	vault | cmd/* | internal/*) ;;
	*) if echo "$deps" | grep -qx "$mod/vault"; then bad "$rel imports vault: imports must point cmd -> vault -> the rest"; fi ;;
	esac
done
exit $fail
