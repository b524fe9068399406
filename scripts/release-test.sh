#!/bin/sh
# make release-test: proves that scripts/release.sh, as committed at HEAD,
# makes reproducible binaries whose signature a user can check:
#
#   - two releases of HEAD, from two git worktrees at different paths, the
#     second with an empty build cache (so it shares no compiled package
#     with the first), give byte-identical binaries and SHA256SUMS;
#   - no checkout, cache, module or toolchain path is in any binary, and
#     neither are the debug hooks (-tags tvaultdebug);
#   - sha256sum -c SHA256SUMS passes, and fails once a byte of a binary
#     changes;
#   - the signature verifies with the allowed_signers of the key that made it
#     (a throwaway key made here; the real one never leaves its owner), and
#     fails after one byte of SHA256SUMS is flipped, with another key's
#     allowed_signers (the committed release/allowed_signers) and in another
#     namespace;
#   - tvault --version names HEAD;
#   - without a key the release is built, summed and said to be unsigned;
#     RELEASE_SIGN=1 without a key, a modified tree and an output folder
#     holding other files all stop it before it builds anything.
#
# It takes several minutes, most of them the build with an empty cache
# (RELEASE_TEST_SHARED_CACHE=1 skips that, and proves less). Uncommitted
# changes are not tested: it releases HEAD.
# shellcheck disable=SC2012 # ls of release files: their names are ours, without spaces
set -eu
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
commit=$(git rev-parse HEAD)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tvault-release-test.XXXXXX")
# Two checkouts whose paths differ in length and depth.
wa=$tmp/a/tvault
wb=$tmp/second/checkout/somewhere-else/src
cleanup() {
	for w in "$wa" "$wb"; do
		[ ! -e "$w" ] || git -C "$root" worktree remove --force "$w" || true
	done
	rm -rf "$tmp"
	git -C "$root" worktree prune || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
	echo "release-test: FAIL: $*" >&2
	exit 1
}
ok() { echo "release-test: ok: $*"; }
# expect_fail WHAT CMD...: CMD must exit non-zero.
expect_fail() {
	what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		cat "$tmp/out" >&2
		fail "$what succeeded"
	fi
	ok "$what fails"
}
now() { date +%s; }

echo "release-test: releasing commit $commit"
git worktree add -q --detach "$wa" "$commit"
git worktree add -q --detach "$wb" "$commit"

ssh-keygen -q -t ed25519 -N '' -C 'tvault release test key (throwaway)' -f "$tmp/key"
printf 'release@tvault %s\n' "$(cut -d' ' -f1,2 "$tmp/key.pub")" >"$tmp/allowed_signers"
verify() { # verify ALLOWED_SIGNERS NAMESPACE SUMS SIG
	ssh-keygen -Y verify -f "$1" -I release@tvault -n "$2" -s "$4" <"$3"
}

# The two releases. Targets that do not build yet are left out of both
# (RELEASE_PARTIAL=1) and named by release.sh.
export TVAULT_RELEASE_KEY="$tmp/key" RELEASE_ALLOWED_SIGNERS="$tmp/allowed_signers" RELEASE_SIGN=1 RELEASE_PARTIAL=1
unset RELEASE_TARGETS RELEASE_ALLOW_DIRTY
t0=$(now)
sh "$wa/scripts/release.sh" "$tmp/out-a" || fail "release from $wa"
t1=$(now)
if [ "${RELEASE_TEST_SHARED_CACHE:-}" = 1 ]; then
	sh "$wb/scripts/release.sh" "$tmp/out-b" || fail "release from $wb"
	cache="the same build cache"
else
	GOCACHE="$tmp/gocache" sh "$wb/scripts/release.sh" "$tmp/out-b" || fail "release from $wb"
	cache="an empty build cache"
fi
t2=$(now)
echo "release-test: release from $wa: $((t1 - t0))s; from $wb with $cache: $((t2 - t1))s"

a=$tmp/out-a b=$tmp/out-b
[ "$(cd "$a" && ls -A)" = "$(cd "$b" && ls -A)" ] ||
	fail "the two releases hold different files: $(cd "$a" && ls -A | tr '\n' ' ') / $(cd "$b" && ls -A | tr '\n' ' ')"
for f in "$a"/tvault-* "$a/SHA256SUMS"; do
	cmp "$f" "$b/${f##*/}" || fail "${f##*/} differs between the two releases"
done
ok "byte-identical binaries and SHA256SUMS from $wa and $wb:"
sed 's/^/    /' "$a/SHA256SUMS"
for t in linux-amd64 linux-arm64; do
	[ -n "$(find "$a" -name "tvault-*-$t")" ] || fail "no $t binary"
done

# Nothing of the machine that built it.
for p in "$wa" "$wb" "$root" "$tmp" "$(go env GOMODCACHE)" "$(go env GOCACHE)" "$(GOENV=off GOTOOLCHAIN=go1.26.8 go env GOROOT)" TVAULT_FAILPOINT; do
	for f in "$a"/tvault-*; do
		! grep -qF "$p" "$f" || fail "${f##*/} contains $p"
	done
done
ok "no build path and no debug hook in any binary"

(cd "$a" && sha256sum -c SHA256SUMS) || fail "sha256sum -c SHA256SUMS"
cp -R "$a" "$tmp/damaged"
first=$(cd "$a" && ls tvault-* | head -n 1)
printf 'x' | dd of="$tmp/damaged/$first" bs=1 seek=4096 conv=notrunc 2>/dev/null
(cd "$tmp/damaged" && expect_fail "sha256sum -c with one byte of $first changed" sha256sum -c SHA256SUMS)

verify "$tmp/allowed_signers" tvault-release "$a/SHA256SUMS" "$a/SHA256SUMS.sig" || fail "the signature does not verify"
ok "the signature verifies with the signing key's allowed_signers"
# Flip one bit of one byte of SHA256SUMS (a hex digit of the first sum).
cp "$a/SHA256SUMS" "$tmp/SHA256SUMS.flipped"
byte=$(dd if="$a/SHA256SUMS" bs=1 skip=10 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
# shellcheck disable=SC2059 # the format is the byte, built on purpose
printf "\\$(printf %03o $((byte ^ 1)))" | dd of="$tmp/SHA256SUMS.flipped" bs=1 seek=10 conv=notrunc 2>/dev/null
cmp -s "$a/SHA256SUMS" "$tmp/SHA256SUMS.flipped" && fail "the byte was not flipped"
expect_fail "the signature check of SHA256SUMS with one byte flipped" \
	verify "$tmp/allowed_signers" tvault-release "$tmp/SHA256SUMS.flipped" "$a/SHA256SUMS.sig"
expect_fail "the signature check against release/allowed_signers, which lists another key" \
	verify "$root/release/allowed_signers" tvault-release "$a/SHA256SUMS" "$a/SHA256SUMS.sig"
expect_fail "the signature check in another namespace" \
	verify "$tmp/allowed_signers" file "$a/SHA256SUMS" "$a/SHA256SUMS.sig"

host=$(go env GOHOSTOS)-$(go env GOHOSTARCH)
exe=$(find "$a" -name "tvault-*-$host")
if [ -n "$exe" ]; then
	v=$("$exe" --version)
	case $v in
	*"commit $commit,"*) ok "$v" ;;
	*) fail "$exe --version: $v (want commit $commit, unmodified)" ;;
	esac
fi

# The script's refusals and its unsigned mode, on one target (warm cache).
unset TVAULT_RELEASE_KEY
expect_fail "RELEASE_SIGN=1 without TVAULT_RELEASE_KEY" sh "$wa/scripts/release.sh" "$tmp/out-nokey"
[ ! -e "$tmp/out-nokey" ] || fail "RELEASE_SIGN=1 without a key wrote $tmp/out-nokey"
unset RELEASE_SIGN
RELEASE_TARGETS=linux/amd64 sh "$wa/scripts/release.sh" "$tmp/out-unsigned" 2>"$tmp/log" || {
	cat "$tmp/log" >&2
	fail "an unsigned release"
}
grep -q 'NOT SIGNED' "$tmp/log" || fail "an unsigned release does not say so"
[ ! -e "$tmp/out-unsigned/SHA256SUMS.sig" ] || fail "an unsigned release wrote SHA256SUMS.sig"
grep -qxF "$(cat "$tmp/out-unsigned/SHA256SUMS")" "$a/SHA256SUMS" || fail "the unsigned linux/amd64 binary differs from the signed release's"
ok "without a key: built, summed, no signature, and it says so"
mkdir "$tmp/out-other" && echo notes >"$tmp/out-other/notes.txt"
expect_fail "a release into a folder that holds other files" sh "$wa/scripts/release.sh" "$tmp/out-other"
[ "$(ls -A "$tmp/out-other")" = notes.txt ] || fail "a refused release changed $tmp/out-other"
echo scratch >"$wa/scratch.txt"
expect_fail "a release of a tree with an untracked file" sh "$wa/scripts/release.sh" "$tmp/out-dirty"
[ ! -e "$tmp/out-dirty" ] || fail "a refused release wrote $tmp/out-dirty"

echo "release-test: PASS ($(($(now) - t0))s)"
