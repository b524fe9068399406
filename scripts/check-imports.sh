#!/bin/sh
# Layering rules (shared/STYLE.md): only cmd/tvault imports urfave/cli, only
# vault/store imports badger, and policy and crypto import no other tvault
# package but their own subpackages.
set -eu
mod=$(go list -m)
fail=0
for pkg in $(go list ./...); do
	deps=$(go list -deps "$pkg")
	case "$pkg" in
	"$mod/cmd/tvault") ;;
	*) if echo "$deps" | grep -q '^github.com/urfave/cli'; then echo "$pkg imports urfave/cli: only cmd/tvault may"; fail=1; fi ;;
	esac
	case "$pkg" in
	"$mod/vault/store"|"$mod/vault"|"$mod/cmd/tvault"|"$mod/internal/"*) ;;
	*) if echo "$deps" | grep -q '^github.com/dgraph-io/badger'; then echo "$pkg depends on badger: only vault/store may"; fail=1; fi ;;
	esac
	imports=$(go list -f '{{join .Imports "\n"}}' "$pkg")
	if echo "$imports" | grep -q '^github.com/dgraph-io/badger' && [ "$pkg" != "$mod/vault/store" ]; then
		echo "$pkg imports badger: only vault/store may"; fail=1
	fi
	case "$pkg" in
	"$mod/policy"|"$mod/crypto"|"$mod/crypto/"*)
		if echo "$deps" | grep -q "^$mod/vault"; then echo "$pkg imports vault: imports must point cmd -> vault -> {policy, crypto}"; fail=1; fi
		;;
	esac
	case "$pkg" in
	"$mod/policy") if echo "$deps" | grep -q "^$mod/crypto"; then echo "policy imports crypto"; fail=1; fi ;;
	"$mod/crypto"|"$mod/crypto/"*) if echo "$deps" | grep -q "^$mod/policy"; then echo "$pkg imports policy"; fail=1; fi ;;
	esac
done
exit $fail
