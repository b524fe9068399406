#!/bin/sh
# scripts/bench.sh [BIN] — tvault side by side with the age CLI (issue 6).
#
# Builds age v1.3.2 from the module cache, tvault (unless BIN names a built
# one) and the measuring helper scripts/rss, then measures in one run,
# alternating tvault and age (order swapped every round) and taking medians:
# seal and cat of a large attachment, peak anonymous memory, a 1 MiB range
# read, bulk and per-process sealing of small forms, list --where and audit
# verify. Writes BENCHMARKS.md (BENCH_OUT) with the machine, the command and
# a table of medians, ratios and issue 6's targets.
#
# Environment:
#   BENCH_QUICK=1       small sizes, fewer rounds (a few minutes)
#   BENCH_ROUNDS        rounds of the alternating comparisons (5; quick 3)
#   BENCH_BIG_MIB       large attachment in MiB (1024; quick 256)
#   BENCH_HUGE_MIB      second size for the memory figures (4096; quick: none;
#                       skipped when the disk is short)
#   BENCH_FORMS         small forms per bulk seal call (10000; quick 2000)
#   BENCH_BULK_ROUNDS   rounds of the bulk seal comparison (3; quick 2)
#   BENCH_SINGLE        one-form seal processes (20)
#   BENCH_LIST_BIG      records for the large list/audit figures (100000;
#                       quick: none)
#   BENCH_TMPDIR        where to work (default $TMPDIR or /tmp, unless that is
#                       a tmpfs: then the folder above the repository)
#   BENCH_OUT           report file (default BENCHMARKS.md in the repository)
#
# Timings are wall-clock times of whole processes (start, vault open and
# close included), measured by scripts/rss, which also samples RssAnon and
# RssFile from /proc/PID/status every 10 ms.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-3}; BIG_MIB=${BENCH_BIG_MIB:-256}; HUGE_MIB=${BENCH_HUGE_MIB:-0}
	FORMS=${BENCH_FORMS:-2000}; BULK_ROUNDS=${BENCH_BULK_ROUNDS:-2}; LIST_BIG=${BENCH_LIST_BIG:-0}
else
	ROUNDS=${BENCH_ROUNDS:-5}; BIG_MIB=${BENCH_BIG_MIB:-1024}; HUGE_MIB=${BENCH_HUGE_MIB:-4096}
	FORMS=${BENCH_FORMS:-10000}; BULK_ROUNDS=${BENCH_BULK_ROUNDS:-3}; LIST_BIG=${BENCH_LIST_BIG:-100000}
fi
SINGLE=${BENCH_SINGLE:-20}
OUT=${BENCH_OUT:-$REPO/BENCHMARKS.md}
HAND_MARK='<!-- measured by hand'

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
command -v go >/dev/null || die "go is not on PATH"

# Work on a real disk: a tmpfs would measure memory, not the write path.
base=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
case $(stat -f -c %T "$base" 2>/dev/null || echo unknown) in
tmpfs | ramfs) base=$(dirname "$REPO") ;;
esac
W=$(mktemp -d "$base/tvault-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
FSTYPE=$(stat -f -c %T "$W" 2>/dev/null || echo unknown)
mkdir -p "$W/bin" "$W/keys" "$W/in"
RES=$W/results
: >"$RES"

avail_mib() { df -Pk "$W" | awk 'NR==2 { print int($4 / 1024) }'; }

# The code may change while the benchmark runs: note what was built now.
REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')
if ! (cd "$REPO" && git diff --quiet HEAD -- go.mod go.sum '*.go' ':!*_test.go' ':!scripts/' 2>/dev/null); then
	REV="$REV (with uncommitted changes)"
fi
log "working in $W ($FSTYPE, $(avail_mib) MiB free)"
log "building tvault, age v1.3.2 and scripts/rss"
if [ -n "${1:-}" ]; then
	[ -x "$1" ] || die "$1 is not an executable tvault"
	T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	TVAULT_BUILD="given: $1"
else
	(cd "$REPO" && go build -trimpath -o "$W/bin/tvault" ./cmd/tvault)
	T=$W/bin/tvault
	TVAULT_BUILD="go build -trimpath ./cmd/tvault"
fi
(cd "$REPO" && go build -o "$W/bin/rss" ./scripts/rss)
# age's CLI needs modules (agessh, tag) that are not in tvault's go.sum, so
# it is built as its own module, at the version tvault depends on.
AGE_VERSION=$(cd "$REPO" && go list -m -f '{{.Version}}' filippo.io/age)
(cd "$W" && GOFLAGS=-mod=mod GOBIN="$W/bin" go install "filippo.io/age/cmd/age@$AGE_VERSION")
AGE=$W/bin/age
RSS=$W/bin/rss

# m LABEL STDOUT CMD...: run CMD under rss; append "LABEL key=value..." to RES.
m() {
	_label=$1 _out=$2
	shift 2
	_line=$("$RSS" -o "$_out" -- "$@") || die "$_label failed: $*"
	echo "$_label $_line" >>"$RES"
}

# agg LABEL FIELD [median|max|min|n]: over every run of LABEL.
agg() {
	awk -v l="$1" -v f="$2" '$1 == l { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == f) print a[2] } }' "$RES" |
		sort -g | awk -v how="${3:-median}" '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan"; exit }
			if (how == "max") print v[NR]
			else if (how == "min") print v[1]
			else if (how == "n") print NR
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

cd "$W"

# ---------------------------------------------------------------------------
log "team of five (plain identity files: no scrypt per command) and the example policy"
for who in admin-kyiv olena iryna taras; do
	"$T" keygen --no-passphrase -o "keys/$who.age" >"keys/$who.card" 2>/dev/null
done
"$T" keygen --no-passphrase --classic -o keys/mykola.age >keys/mykola.card 2>/dev/null
sed '/^\[\[members\]\]/,$d' "$REPO/examples/policy.toml" >policy.toml
for pair in admin-kyiv:admin olena:researcher mykola:analyst iryna:legal taras:legal; do
	printf '\n[[members]]\nname = "%s"\nroles = ["%s"]\n' "${pair%%:*}" "${pair#*:}" >>policy.toml
	cat "keys/${pair%%:*}.card" >>policy.toml
done
# age encrypts to the same post-quantum recipient that opens the records.
R=$(sed -n 's/^recipient = "\(.*\)"$/\1/p' keys/iryna.card)
case $R in age1pq1*) ;; *) die "iryna's card has no post-quantum recipient" ;; esac

newvault() {
	rm -rf "$1"
	"$T" --vault "$1" init --policy policy.toml -i keys/admin-kyiv.age >/dev/null 2>&1 || die "init $1 failed"
}

bigform() { # DIR: a form whose testimony carries DIR/interview.opus
	cat >"$1/form.toml" <<'EOF'
[public]
category = "pow"
region = "Kharkiv oblast"
interviewed = "2024-05"
language = "uk"

[testimony]
summary = "A long recorded interview"
files = ["interview.opus"]
EOF
}

# ---------------------------------------------------------------------------
BIG=$((BIG_MIB * 1048576))
need=$((3 * BIG_MIB + 1024))
[ "$(avail_mib)" -ge "$need" ] || die "need $need MiB free in $W for the $BIG_MIB MiB runs"
log "$BIG_MIB MiB attachment: $ROUNDS rounds of tvault seal vs age -r -o FILE"
mkdir -p in/big
"$RSS" gen "${BIG_MIB}M" in/big/interview.opus
bigform in/big
# One untimed warm-up of each, so that neither pays for the first touch of
# the file's pages.
newvault v-big
"$T" --vault v-big seal --no-progress in/big/form.toml -i keys/olena.age >/dev/null
"$AGE" -r "$R" -o big.age in/big/interview.opus
# A durable baseline: age, then fsync of its output (coreutils sync FILE),
# as tvault's seal syncs what it stores.
SYNC_FILE=
if sync --help 2>/dev/null | grep -q 'FILE'; then SYNC_FILE=1; fi
agesync() {
	m age_enc_sync_big /dev/null sh -c '"$0" -r "$1" -o big.sync.age "$2" && sync big.sync.age' "$AGE" "$R" in/big/interview.opus
	rm -f big.sync.age
}
r=1
while [ $r -le "$ROUNDS" ]; do
	rm -f big.age
	newvault v-big
	if [ $((r % 2)) = 1 ]; then
		m seal_big ids.big "$T" --vault v-big seal --no-progress in/big/form.toml -i keys/olena.age
		m age_enc_big /dev/null "$AGE" -r "$R" -o big.age in/big/interview.opus
		if [ -n "$SYNC_FILE" ]; then agesync; fi
	else
		if [ -n "$SYNC_FILE" ]; then agesync; fi
		m age_enc_big /dev/null "$AGE" -r "$R" -o big.age in/big/interview.opus
		m seal_big ids.big "$T" --vault v-big seal --no-progress in/big/form.toml -i keys/olena.age
	fi
	r=$((r + 1))
done
ID=$(head -n 1 ids.big)

log "$BIG_MIB MiB attachment: $ROUNDS rounds of tvault cat vs age -d -o /dev/null"
# Both ciphertexts in the page cache: the blob file was written with
# O_DIRECT and age's output through the cache, so read each once, untimed.
cat big.age v-big/db/blobs/*/* >/dev/null
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then
		m cat_big /dev/null "$T" --vault v-big cat "$ID" testimony/interview.opus -i keys/iryna.age
		m age_dec_big /dev/null "$AGE" -d -i keys/iryna.age -o /dev/null big.age
	else
		m age_dec_big /dev/null "$AGE" -d -i keys/iryna.age -o /dev/null big.age
		m cat_big /dev/null "$T" --vault v-big cat "$ID" testimony/interview.opus -i keys/iryna.age
	fi
	r=$((r + 1))
done

log "$BIG_MIB MiB attachment: tvault open -o DIR (memory)"
m open_big /dev/null "$T" --vault v-big open "$ID" --class testimony -o opened -i keys/iryna.age
cmp -s opened/testimony/interview.opus in/big/interview.opus || die "open: the attachment does not round-trip"
rm -rf opened

log "1 MiB range near the end of the $BIG_MIB MiB attachment: $ROUNDS runs"
OFF=$((BIG - 1048576 - 12345))
r=1
while [ $r -le "$ROUNDS" ]; do
	m range_big range.out "$T" --vault v-big cat "$ID" testimony/interview.opus --offset "$OFF" --length 1048576 -i keys/iryna.age
	r=$((r + 1))
done
tail -c $((1048576 + 12345)) in/big/interview.opus | head -c 1048576 | cmp -s - range.out || die "cat --offset: the range does not match"
rm -rf v-big range.out

log "$BIG_MIB MiB attachment in a bundle: $ROUNDS rounds of bundle export vs age -r, bundle import vs age -d (both synced)"
# Each round: a new vault, a kit, a field vault holding the record (untimed);
# then export vs age -r -o FILE && sync, import vs age -d -o FILE && sync.
r=1
while [ $r -le "$ROUNDS" ]; do
	rm -rf f-bun b.tvb big.out
	newvault v-bun
	"$T" --vault v-bun kit export -o kit.tvk -i keys/admin-kyiv.age >/dev/null 2>&1 || die "kit export failed"
	"$T" --vault f-bun init --kit kit.tvk --name olena -i keys/olena.age >/dev/null 2>&1 || die "init --kit failed"
	"$T" --vault f-bun seal --no-progress in/big/form.toml -i keys/olena.age >/dev/null 2>&1 || die "field seal failed"
	rm -f kit.tvk
	m bundle_export_big /dev/null "$T" --vault f-bun bundle export -o b.tvb -i keys/olena.age
	m age_enc_sync_bun /dev/null sh -c '"$0" -r "$1" -o big.sync.age "$2" && sync big.sync.age' "$AGE" "$R" in/big/interview.opus
	rm -f big.sync.age
	m age_dec_sync_bun /dev/null sh -c '"$0" -d -i keys/iryna.age -o big.out big.age && sync big.out' "$AGE"
	rm -f big.out
	m bundle_import_big /dev/null "$T" --vault v-bun bundle import b.tvb -i keys/mykola.age
	r=$((r + 1))
done
rm -rf v-bun f-bun b.tvb big.age in/big

# ---------------------------------------------------------------------------
HUGE_DONE=0
HUGE_NOTE=""
if [ "$HUGE_MIB" -gt 0 ]; then
	need=$((3 * HUGE_MIB + 2048))
	if [ "$(avail_mib)" -ge "$need" ]; then
		log "$HUGE_MIB MiB attachment: seal, cat, open once each (memory)"
		mkdir -p in/huge
		"$RSS" gen "${HUGE_MIB}M" in/huge/interview.opus
		bigform in/huge
		newvault v-huge
		m seal_huge ids.huge "$T" --vault v-huge seal --no-progress in/huge/form.toml -i keys/olena.age
		m age_enc_huge /dev/null "$AGE" -r "$R" -o huge.age in/huge/interview.opus
		HID=$(head -n 1 ids.huge)
		# Both read from the disk: age's output is written back and both
		# ciphertexts dropped from the page cache first, so that neither
		# read competes with writeback or finds its file cached.
		"$RSS" cold huge.age v-huge/db/blobs/*/*
		m age_dec_huge /dev/null "$AGE" -d -i keys/iryna.age -o /dev/null huge.age
		rm -f huge.age
		"$RSS" cold v-huge/db/blobs/*/*
		m cat_huge /dev/null "$T" --vault v-huge cat "$HID" testimony/interview.opus -i keys/iryna.age
		rm -rf in/huge
		m open_huge /dev/null "$T" --vault v-huge open "$HID" --class testimony -o opened -i keys/iryna.age
		rm -rf opened v-huge
		HUGE_DONE=1
	else
		HUGE_NOTE="skipped: $HUGE_MIB MiB runs need $need MiB free, $(avail_mib) MiB available"
		log "$HUGE_NOTE"
	fi
fi

# ---------------------------------------------------------------------------
log "$FORMS small forms"
mkdir -p forms agef
awk -v n="$FORMS" 'BEGIN {
	split("pow-family missing-family civilian civilian-family russian-pow", cats, " ")
	for (i = 0; i < n; i++) {
		f = sprintf("forms/%06d.toml", i)
		cat = (i % 10 == 0) ? "pow" : cats[i % 5 + 1]
		printf "[public]\ncategory = \"%s\"\nregion = \"Region %d\"\ninterviewed = \"2024-%02d\"\nlanguage = \"uk\"\ntopics = [\"incommunicado\", \"topic-%d\"]\n\n", cat, i % 25, i % 12 + 1, i % 50 > f
		printf "[testimony]\nsummary = \"Interview %d: held for %d months; describes the conditions of detention and the lack of medical care.\"\ndetention_site = \"site %d\"\n\n", i, i % 36, i % 40 > f
		printf "[identity]\ninterviewee = \"Інтерв'\''юйований %d\"\nrelation = \"mother\"\ncontact = \"+380 67 %07d\"\n", i, i > f
		close(f)
	}
}'
FORM_BYTES=$(cat forms/*.toml | wc -c)

log "bulk: $BULK_ROUNDS rounds of one tvault seal of $FORMS forms vs one age process per form"
r=1
while [ $r -le "$BULK_ROUNDS" ]; do
	newvault v-small
	rm -rf agef && mkdir agef
	if [ $((r % 2)) = 1 ]; then
		m seal_bulk ids.small "$T" --vault v-small seal --no-progress forms/*.toml -i keys/olena.age
		m age_bulk /dev/null sh -c 'for f in forms/*.toml; do "$0" -r "$1" -o "agef/${f#forms/}.age" "$f" || exit 1; done' "$AGE" "$R"
	else
		m age_bulk /dev/null sh -c 'for f in forms/*.toml; do "$0" -r "$1" -o "agef/${f#forms/}.age" "$f" || exit 1; done' "$AGE" "$R"
		m seal_bulk ids.small "$T" --vault v-small seal --no-progress forms/*.toml -i keys/olena.age
	fi
	m age_concat /dev/null sh -c 'cat forms/*.toml | "$0" -r "$1" -o concat.age' "$AGE" "$R"
	rm -f concat.age
	r=$((r + 1))
done
rm -rf agef
[ "$(wc -l <ids.small)" -eq "$FORMS" ] || die "bulk seal printed $(wc -l <ids.small) ids, want $FORMS"

log "list --where over $FORMS records: $ROUNDS runs"
r=1
while [ $r -le "$ROUNDS" ]; do
	m list_small list.out "$T" --vault v-small list --where category=pow -i keys/mykola.age
	r=$((r + 1))
done
LIST_SMALL_ROWS=$(($(wc -l <list.out) - 1))

log "one form per process: $SINGLE tvault seal vs $SINGLE age -r"
r=1
one=forms/000001.toml
while [ $r -le "$SINGLE" ]; do
	if [ $((r % 2)) = 1 ]; then
		m seal_one /dev/null "$T" --vault v-small seal --no-progress "$one" -i keys/olena.age
		m age_one /dev/null "$AGE" -r "$R" -o one.age "$one"
	else
		m age_one /dev/null "$AGE" -r "$R" -o one.age "$one"
		m seal_one /dev/null "$T" --vault v-small seal --no-progress "$one" -i keys/olena.age
	fi
	rm -f one.age
	r=$((r + 1))
done

# ---------------------------------------------------------------------------
RECORDS=$((FORMS + SINGLE))
if [ "$LIST_BIG" -gt 0 ]; then
	log "growing the vault to $LIST_BIG records with bulk seals of $FORMS forms"
	while [ "$RECORDS" -lt "$LIST_BIG" ]; do
		m seal_grow /dev/null "$T" --vault v-small seal --no-progress forms/*.toml -i keys/olena.age
		RECORDS=$((RECORDS + FORMS))
		log "  $RECORDS records"
	done
	log "list --where over $RECORDS records: $ROUNDS runs"
	r=1
	while [ $r -le "$ROUNDS" ]; do
		m list_big list.out "$T" --vault v-small list --where category=pow -i keys/mykola.age
		r=$((r + 1))
	done
	LIST_BIG_ROWS=$(($(wc -l <list.out) - 1))
fi

log "audit export and verify"
m audit_export /dev/null "$T" --vault v-small audit export -o audit.jsonl -i keys/taras.age 2>export.log
ENTRIES=$(sed -n 's/.*exported \([0-9]*\) entries.*/\1/p' export.log | head -n 1)
r=1
while [ $r -le "$ROUNDS" ]; do
	m audit_verify /dev/null "$T" audit verify audit.jsonl
	r=$((r + 1))
done
AUDIT_MIB=$(($(wc -c <audit.jsonl) / 1048576))

# ---------------------------------------------------------------------------
log "writing $OUT"
med() { agg "$1" "${2:-wall_s}"; }
mib() { agg "$1" "$2" "${3:-max}" | awk '{ printf "%.1f", $1 / 1024 }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# verdict OK-EXPRESSION: met or missed.
verdict() { awk "BEGIN { if ($1) print \"met\"; else print \"**missed**\" }"; }
sz() { if [ "$1" -ge 1024 ] && [ $(($1 % 1024)) = 0 ]; then echo "$(($1 / 1024)) GiB"; else echo "$1 MiB"; fi; }

sb=$(med seal_big) ab=$(med age_enc_big)
cb=$(med cat_big) db=$(med age_dec_big)
rg=$(med range_big)
bk=$(med seal_bulk) abk=$(med age_bulk) ac=$(med age_concat)
s1=$(med seal_one) a1=$(med age_one)
ls=$(med list_small)
av=$(med audit_verify)
anon_limit=65536 # KiB

{
	echo "# Benchmarks"
	echo
	echo "tvault side by side with the \`age\` CLI (issue 6), measured in one run on one machine,"
	echo "alternating the two commands (order swapped every round) and taking medians."
	echo "Only the ratios mean much: the machine is a shared VM whose speed drifts between runs."
	echo
	echo "## Machine and run"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- CPU: $(nproc) × $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "- $(go version | sed 's/^go version //'); Linux $(uname -r); work folder on $FSTYPE"
	echo "- tvault $REV, $TVAULT_BUILD; age $AGE_VERSION (go install filippo.io/age/cmd/age@$AGE_VERSION)"
	echo "- rounds: $ROUNDS (bulk seal: $BULK_ROUNDS; one-form seals: $SINGLE)$([ "$QUICK" = 1 ] && echo '; **quick run** (BENCH_QUICK=1): small sizes')"
	echo
	echo "Reproduce: \`$([ "$QUICK" = 1 ] && echo 'BENCH_QUICK=1 ')sh scripts/bench.sh bin/tvault\` (after \`make build\`), or \`sh scripts/bench.sh\` to build everything into a temporary folder."
	echo "Engine-level benchmarks: \`go test -run '^\$' -bench . -benchtime 1x ./vault/\`."
	echo
	echo "## Results"
	echo
	echo "Times are medians of whole processes (start, vault open and close included). The ratio is tvault's time over age's; above 1 tvault is slower."
	echo
	echo "| what | tvault | age | ratio | target | |"
	echo "| --- | ---: | ---: | ---: | --- | --- |"
	echo "| seal one form with a $(sz "$BIG_MIB") attachment / \`age -r <pq> -o FILE\` | $(calc '%.2f s' "$sb") | $(calc '%.2f s' "$ab") | $(calc '%.2f×' "$sb/$ab") | ≤ 1.25× | $(verdict "$sb/$ab <= 1.25") |"
	if [ -n "$SYNC_FILE" ]; then
		as=$(med age_enc_sync_big)
		echo "| seal, as above / \`age -r -o FILE && sync FILE\` (durable baseline, for scale) | $(calc '%.2f s' "$sb") | $(calc '%.2f s' "$as") | $(calc '%.2f×' "$sb/$as") | | |"
	fi
	be=$(med bundle_export_big) bae=$(med age_enc_sync_bun) bi=$(med bundle_import_big) bad=$(med age_dec_sync_bun)
	echo "| \`bundle export\` of a $(sz "$BIG_MIB") record / \`age -r -o FILE && sync\` | $(calc '%.2f s' "$be") | $(calc '%.2f s' "$bae") | $(calc '%.2f×' "$be/$bae") | ≤ 1.25× | $(verdict "$be/$bae <= 1.25") |"
	echo "| \`bundle import\` of it (reads it twice: verify, then write) / \`age -d -o FILE && sync\` | $(calc '%.2f s' "$bi") | $(calc '%.2f s' "$bad") | $(calc '%.2f×' "$bi/$bad") | ≤ 1.25× | $(verdict "$bi/$bad <= 1.25") |"
	echo "| \`cat\` it to /dev/null / \`age -d -o /dev/null\` (both ciphertexts in the page cache) | $(calc '%.2f s' "$cb") | $(calc '%.2f s' "$db") | $(calc '%.2f×' "$cb/$db") | ≤ 1.1× | $(verdict "$cb/$db <= 1.1") |"
	for op in bundle_export bundle_import; do
		a=$(agg "${op}_big" anon_kib max)
		echo "| peak RssAnon, \`$(echo $op | tr _ ' ')\` $(sz "$BIG_MIB") | $(calc '%.1f' "$a/1024") MiB | | | ≤ 64 MiB | $(verdict "$a <= $anon_limit") |"
	done
	for op in seal cat open; do
		for size in big huge; do
			[ "$size" = huge ] && [ "$HUGE_DONE" = 0 ] && continue
			if [ "$size" = big ]; then s=$BIG_MIB; else s=$HUGE_MIB; fi
			a=$(agg "${op}_$size" anon_kib max) f=$(agg "${op}_$size" file_kib max)
			case $op in
			seal) ag=age_enc_$size what="seal" ;;
			cat) ag=age_dec_$size what="\`cat\`" ;;
			open) ag="" what="\`open -o DIR\`" ;;
			esac
			agecol="—"
			[ -n "$ag" ] && agecol="$(mib "$ag" anon_kib) MiB"
			echo "| peak RssAnon, $what $(sz "$s") (RssFile apart: $(calc '%.0f' "$f/1024") MiB) | $(calc '%.1f' "$a/1024") MiB | $agecol | | ≤ 64 MiB | $(verdict "$a <= $anon_limit") |"
		done
	done
	if [ "$HUGE_DONE" = 1 ]; then
		for op in seal cat open; do
			a1g=$(agg "${op}_big" anon_kib) a4g=$(agg "${op}_huge" anon_kib)
			echo "| RssAnon $op $(sz "$HUGE_MIB") − $(sz "$BIG_MIB") (medians; constant memory) | $(calc '%+.1f MiB' "($a4g-$a1g)/1024") | | | same within noise (±8 MiB) | $(verdict "($a4g-$a1g) <= 8192 && ($a1g-$a4g) <= 8192") |"
		done
		sh4=$(med seal_huge) ah4=$(med age_enc_huge) ch4=$(med cat_huge) dh4=$(med age_dec_huge)
		echo "| seal $(sz "$HUGE_MIB") / age -r (one run) | $(calc '%.2f s' "$sh4") | $(calc '%.2f s' "$ah4") | $(calc '%.2f×' "$sh4/$ah4") | ≤ 1.25× | $(verdict "$sh4/$ah4 <= 1.25") |"
		echo "| \`cat\` $(sz "$HUGE_MIB") / age -d (one run, both read from the disk) | $(calc '%.2f s' "$ch4") | $(calc '%.2f s' "$dh4") | $(calc '%.2f×' "$ch4/$dh4") | ≤ 1.1× | $(verdict "$ch4/$dh4 <= 1.1") |"
	elif [ -n "$HUGE_NOTE" ]; then
		echo "| $(sz "$HUGE_MIB") memory figures | $HUGE_NOTE | | | | |"
	fi
	echo "| \`cat --offset --length\` 1 MiB near the end of $(sz "$BIG_MIB") | $(calc '%.0f ms' "$rg*1000") | — | | ≤ 100 ms | $(verdict "$rg <= 0.1") |"
	echo "| bulk: one \`seal\` of $FORMS small forms / one \`age -r\` process per form | $(calc '%.0f records/s' "$FORMS/$bk") ($(calc '%.1f s' "$bk")) | $(calc '%.0f records/s' "$FORMS/$abk") ($(calc '%.1f s' "$abk")) | $(calc '%.2f×' "$bk/$abk") | ≥ 1,000 records/s | $(verdict "$FORMS/$bk >= 1000") |"
	echo "| bulk, age of the $FORMS forms concatenated ($(calc '%.1f' "$FORM_BYTES/1048576") MiB, one process): for scale | | $(calc '%.3f s' "$ac") | $(calc '%.0f×' "$bk/$ac") | | |"
	echo "| one form per process: \`seal\` / \`age -r\` (median of $SINGLE) | $(calc '%.0f ms' "$s1*1000") | $(calc '%.1f ms' "$a1*1000") | $(calc '%.1f×' "$s1/$a1") | | |"
	echo "| \`list --where category=pow\` over $FORMS records ($LIST_SMALL_ROWS listed) | $(calc '%.0f ms' "$ls*1000") | — | | (≤ 300 ms at 100,000) | $(verdict "$ls <= 0.3") |"
	if [ "$LIST_BIG" -gt 0 ]; then
		lb=$(med list_big)
		echo "| \`list --where category=pow\` over $RECORDS records ($LIST_BIG_ROWS listed) | $(calc '%.0f ms' "$lb*1000") | — | | ≤ 300 ms | $(verdict "$lb <= 0.3") |"
		gr=$(med seal_grow)
		echo "| bulk seal of $FORMS forms while growing the vault to $RECORDS records ($(agg seal_grow wall_s n) calls, median) | $(calc '%.0f records/s' "$FORMS/$gr") | | | ≥ 1,000 records/s | $(verdict "$FORMS/$gr >= 1000") |"
	fi
	echo "| \`audit verify\` of an export of $ENTRIES entries ($AUDIT_MIB MiB) | $(calc '%.2f s' "$av") | — | | ≤ 2 s at 100,000 | $(verdict "$av <= 2") |"
	echo
	echo "Notes:"
	echo
	echo "- tvault's seal is durable (the attachment's blob file written with O_DIRECT and fdatasync'd, the record committed and synced in Badger), hashed (SHA-256 of the plaintext, BLAKE3 of the ciphertext), signed and audited; \`age -o FILE\` does not fsync."
	echo "- A 4 GiB \`age -r -o FILE\` fills the page cache with dirty pages and is throttled by the kernel's writeback; tvault's O_DIRECT writes are not, which is why it is faster there."
	echo "- Memory is the peak of RssAnon (heap, stacks) sampled every 10 ms from /proc/PID/status by scripts/rss; RssFile (file-backed pages: Badger's mmap of its tables and value log, and the binary; reclaimable) is reported apart. The age column is age's own peak RssAnon."
	echo "- The bulk age figure runs one age process per form in a shell loop (age has no bulk mode that keeps records apart); the concatenated figure is one age process over all the forms' bytes."
	echo "- Small forms have no attachment: public metadata and fields in two classes, about $((FORM_BYTES / FORMS)) bytes of TOML each; one in ten has category pow."
	echo "- Identities are unencrypted files (\`tvault keygen --no-passphrase\`), so no command pays scrypt."
	echo
	echo "## Every measurement"
	echo
	echo "Medians over the runs of each command; CPU is user + system time; memory is the maximum over runs."
	echo
	echo "| command | runs | wall s (min–max) | CPU s | RssAnon MiB | RssFile MiB | maxrss MiB |"
	echo "| --- | ---: | --- | ---: | ---: | ---: | ---: |"
	for l in $(awk '{ print $1 }' "$RES" | awk '!seen[$0]++'); do
		cpu=$(awk -v l="$l" '$1 == l { u = s = 0; for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == "user_s") u = a[2]; if (a[1] == "sys_s") s = a[2] } print u + s }' "$RES" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		echo "| $l | $(agg "$l" wall_s n) | $(calc '%.3f' "$(med "$l")") ($(calc '%.3f' "$(agg "$l" wall_s min)")–$(calc '%.3f' "$(agg "$l" wall_s max)")) | $(calc '%.2f' "$cpu") | $(mib "$l" anon_kib) | $(mib "$l" file_kib) | $(mib "$l" maxrss_kib) |"
	done
	# Sections measured by hand (go test -bench), below the marker, are
	# kept as they are.
	if [ -f "$OUT" ] && grep -q "^$HAND_MARK" "$OUT"; then
		echo
		sed -n "/^$HAND_MARK/,\$p" "$OUT"
	fi
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "done: $OUT"
cat "$OUT"
