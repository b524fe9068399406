#!/bin/sh
# make release: the tvault binaries for every platform, built so that anyone
# who checks out the same commit gets the same bytes, with SHA256SUMS and,
# given the release key, its signature SHA256SUMS.sig.
#
#   scripts/release.sh [OUTDIR]        (default bin/release)
#
# Environment:
#   TVAULT_RELEASE_KEY       the release key: an OpenSSH private key file, or
#                            its .pub when the key is in ssh-agent or on a
#                            hardware token. Unset: build and sum, no signature.
#   RELEASE_SIGN=1           fail, before building, unless a signature can be written
#   RELEASE_TARGETS          GOOS/GOARCH pairs to build (default: all five)
#   RELEASE_PARTIAL=1        release the targets that build and name the others
#                            (without it, a target that does not build fails the release)
#   RELEASE_ALLOW_DIRTY=1    build a tree with uncommitted changes: the version
#                            says +dirty, and such a build is never signed
#   RELEASE_ALLOWED_SIGNERS  the allowed_signers file the signature must verify
#                            with (default release/allowed_signers; the tests
#                            use a throwaway key)
#
# What makes the bytes depend on the commit alone:
#   - the toolchain is pinned (GOTOOLCHAIN below): a different local Go
#     fetches this one through the module proxy, checked against
#     sum.golang.org, instead of silently compiling different bytes;
#   - GOENV=off and every build setting set here: no GOFLAGS=-tags=…,
#     GOEXPERIMENT or GOAMD64 from someone's `go env -w` reaches a release;
#   - CGO_ENABLED=0 (no C toolchain in the build), -trimpath (no build paths),
#     -mod=readonly (exactly go.sum), GOWORK=off (no go.work from a parent);
#   - -buildvcs=false, with version and commit passed by -X from git instead:
#     Go's own stamp is absent in a linked worktree and wrong in a nested one
#     (golang/go#58218), and its presence alone changes the bytes, so clone and
#     worktree builds of one commit would differ (cmd/tvault/version.go);
#   - no -s -w: stripping does not help reproducibility, saves little
#     (panics keep their traces either way), and the symbols and DWARF let
#     anyone inspect or debug the very binary a team runs.
set -eu
export LC_ALL=C

# The release toolchain. go.mod's `go` line is only a minimum, and a
# `toolchain` line equal to it is dropped by go mod tidy and would not pin
# anything either: a newer local Go satisfies both. Raise this on purpose.
toolchain=go1.26.8
# What the signature is bound to: ssh-keygen signs for a namespace, so a
# release signature cannot pass for a git or file signature, nor the reverse.
namespace=tvault-release
principal=release@tvault
all_targets="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64"

say() { echo "release: $*" >&2; }
die() {
	echo "release: error: $*" >&2
	exit 1
}

out=${1:-bin/release}
case $out in /*) ;; *) out=$PWD/$out ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Signing: decide everything before spending minutes on builds.
key=${TVAULT_RELEASE_KEY:-}
allowed=${RELEASE_ALLOWED_SIGNERS:-$root/release/allowed_signers}
if [ -z "$key" ]; then
	[ "${RELEASE_SIGN:-}" != 1 ] || die "RELEASE_SIGN=1 but TVAULT_RELEASE_KEY is not set: nothing to sign with"
else
	[ -r "$key" ] || die "TVAULT_RELEASE_KEY=$key: cannot read it"
	[ -r "$allowed" ] || die "cannot read $allowed: users could not check the signature"
	command -v ssh-keygen >/dev/null || die "ssh-keygen not found (Debian: apt-get install openssh-client)"
	case $key in *.pub) pub=$key ;; *) pub=$key.pub ;; esac
	if [ -r "$pub" ]; then
		blob=$(awk '{print $2; exit}' "$pub")
		grep -v '^#' "$allowed" | grep -qF " $blob" ||
			die "the key $pub is not in $allowed: users could not check its signature"
	fi
fi

# OUTDIR holds one release: a previous one there is replaced, and anything
# else stops us now rather than being listed in SHA256SUMS or deleted.
for f in "$out"/* "$out"/.[!.]*; do
	[ -e "$f" ] || continue
	case ${f##*/} in
	tvault-* | SHA256SUMS | SHA256SUMS.sig) ;;
	*) die "$out holds ${f##*/}, which is not a release file: use an empty folder" ;;
	esac
done

# The commit, and a tree that is exactly that commit.
git rev-parse --git-dir >/dev/null 2>&1 || die "$root is not a git checkout: a release names its commit"
commit=$(git rev-parse HEAD)
dirty=$(
	git status --porcelain
	# Ignored files the compiler would still read.
	git ls-files --others --ignored --exclude-standard -- '*.go' '*.s' '*.syso' '*.c' '*.h' go.mod go.sum 'go.work*' | sed 's/^/!! /'
)
modified=
if [ -n "$dirty" ]; then
	if [ "${RELEASE_ALLOW_DIRTY:-}" != 1 ]; then
		say "the tree differs from commit ${commit}:"
		echo "$dirty" | head -n 10 | sed 's/^/    /' >&2
		die "commit or remove these first: nobody could rebuild these bytes (RELEASE_ALLOW_DIRTY=1 builds them anyway, marked +dirty and unsigned)"
	fi
	[ -z "$key" ] || die "will not sign a build of uncommitted changes: nobody could rebuild it"
	modified=true
fi

# The version: the v… tag on this commit, else a Go pseudo-version, as go
# would compute it: the commit's UTC time and its first 12 hex digits.
if version=$(git describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null); then
	case $version in v[0-9]*.[0-9]*.[0-9]*) ;; *) die "tag $version is not a semantic version (vMAJOR.MINOR.PATCH)" ;; esac
else
	when=$(TZ=UTC0 git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S HEAD)
	rev=$(git rev-parse --short=12 HEAD)
	base=$(git describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null || true)
	case $base in
	"") version=v0.0.0-$when-$rev ;;
	*-*) version=$base.0.$when-$rev ;;
	*)
		patch=${base##*.}
		version=${base%.*}.$((patch + 1))-0.$when-$rev
		;;
	esac
fi
[ -z "$modified" ] || version=$version+dirty

# The toolchain and a build environment set entirely here.
export GOENV=off GOTOOLCHAIN=$toolchain GOWORK=off CGO_ENABLED=0 GOAMD64=v1 GOARM64=v8.0
unset GOFLAGS GOEXPERIMENT GOFIPS140 GOARM GO386
[ "$(go env GOSUMDB)" != off ] || die "GOSUMDB=off: the pinned toolchain could be downloaded unchecked"
gover=$(go env GOVERSION) || die "cannot run the $toolchain toolchain (GOTOOLCHAIN=$toolchain fetches it through GOPROXY)"
[ "$gover" = "$toolchain" ] || die "go reports $gover, not the pinned $toolchain"
say "tvault $version, commit $commit${modified:+ with uncommitted changes}"
say "toolchain $gover in $(go env GOROOT)"

stage=$(mktemp -d "${TMPDIR:-/tmp}/tvault-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT
ldflags="-X main.version=$version -X main.commit=$commit"
[ -z "$modified" ] || ldflags="$ldflags -X main.modified=true"

built="" missing=""
for target in ${RELEASE_TARGETS:-$all_targets}; do
	os=${target%/*} arch=${target#*/}
	case " $all_targets " in *" $target "*) ;; *) die "unknown target $target (one of: $all_targets)" ;; esac
	name=tvault-$version-$os-$arch
	[ "$os" != windows ] || name=$name.exe
	start=$(date +%s)
	if ! GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -mod=readonly \
		-ldflags="$ldflags" -o "$stage/$name" ./cmd/tvault >"$stage/log" 2>&1; then
		say "$target: does not build yet:"
		head -n 8 "$stage/log" | sed 's/^/    /' >&2
		missing="$missing $target"
		continue
	fi
	# Verify after write: the binary records the settings it was built with.
	info=$(go version -m "$stage/$name")
	for want in "$stage/$name: $toolchain" "	build	-trimpath=true" "	build	CGO_ENABLED=0" "	build	GOOS=$os" "	build	GOARCH=$arch"; do
		echo "$info" | grep -qxF "$want" || die "$target: built without \"$want\":$(echo; echo "$info" | grep -v '	dep	')"
	done
	if echo "$info" | grep -qE '	build	(-tags|vcs|GOEXPERIMENT)'; then
		die "$target: built with unexpected settings:$(echo; echo "$info" | grep -E '	build	(-tags|vcs|GOEXPERIMENT)')"
	fi
	say "$target: $name ($(($(date +%s) - start))s)"
	built="$built $name"
done
[ -n "$built" ] || die "no target built"
if [ -n "$missing" ]; then
	[ "${RELEASE_PARTIAL:-}" = 1 ] ||
		die "not built:$missing. Nothing was written to $out (RELEASE_PARTIAL=1 releases the targets that build)"
	say "warning: a partial release, without$missing"
fi

# Other engineers may work in this tree: the bytes must still be the commit's.
[ "$(git rev-parse HEAD)" = "$commit" ] || die "HEAD moved during the build"
if [ -z "$modified" ] && [ -n "$(git status --porcelain)" ]; then
	die "the tree changed during the build; run it again"
fi

# OUTDIR holds exactly one release: ours replaces the previous one there.
mkdir -p "$out"
rm -f "$out"/tvault-* "$out/SHA256SUMS" "$out/SHA256SUMS.sig"
for name in $built; do
	cp "$stage/$name" "$out/$name"
	chmod 0755 "$out/$name"
done
if command -v sha256sum >/dev/null; then
	sum="sha256sum"
else
	sum="shasum -a 256"
fi
# The format of sha256sum (and shasum -a 256): sha256sum -c checks it.
# shellcheck disable=SC2086 # $sum and $built are word lists, names without spaces
(cd "$out" && $sum $built >SHA256SUMS)

if [ -n "$key" ]; then
	ssh-keygen -Y sign -f "$key" -n "$namespace" "$out/SHA256SUMS" 2>"$stage/log" ||
		die "ssh-keygen could not sign:$(echo; cat "$stage/log")"
	# Verify after write, exactly as a user will (README, "Install").
	if ! ssh-keygen -Y verify -f "$allowed" -I "$principal" -n "$namespace" \
		-s "$out/SHA256SUMS.sig" <"$out/SHA256SUMS" >"$stage/log" 2>&1; then
		rm -f "$out/SHA256SUMS.sig"
		die "the signature does not verify with $allowed; removed it:$(echo; cat "$stage/log")"
	fi
	say "signed: SHA256SUMS.sig verifies with $allowed"
else
	say "NOT SIGNED: TVAULT_RELEASE_KEY is not set, so there is no SHA256SUMS.sig and users cannot check this release"
fi
say "wrote $out:"
sed 's/^/    /' "$out/SHA256SUMS" >&2
