#!/bin/sh
# scripts/bench.sh [BIN] — tvault side by side with the age CLI (issue 6).
#
# Builds age v1.3.2 from the module cache, tvault (unless BIN names a built
# one) and the measuring helper scripts/rss, then measures in one run,
# alternating tvault and age (order swapped every round) and taking medians:
# seal and cat of a large attachment, peak anonymous memory, a 1 MiB range
# read, bulk and per-process sealing of small forms, list --where and audit
# verify. Then the scale curve (issue 16): one vault of realistic forms
# (two classes, a ~2 KB transcript each) grown by bulk seals to a million
# records, measured at each size on the way (list --where, show, opening the
# vault, audit export and verify, check, disk per record, the intake rate of
# every seal call, seal memory at 1,000 and 10,000 forms), drawn by
# scripts/plot into BENCHMARKS-scale.png. Writes BENCHMARKS.md (BENCH_OUT)
# with the machine, the commands and tables of medians, ratios and the
# issues' targets; the report is rewritten after each size of the curve, so
# a run cut short keeps what it measured.
#
# Full mode (the default; `make bench`) takes hours: the curve alone, to a
# million records, about an hour and a half on 2 cores and ~20 GB of disk.
#
# Environment:
#   BENCH_QUICK=1       small sizes, fewer rounds (a few minutes; the curve
#                       stops at 30,000 records)
#   BENCH_PARTS         what to run: "compare" (tvault against age), "scale"
#                       (the curve), or both (the default). A part not run
#                       keeps its section of BENCH_OUT as it was.
#   BENCH_ROUNDS        rounds of the alternating comparisons (5; quick 3)
#   BENCH_BIG_MIB       large attachment in MiB (1024; quick 256)
#   BENCH_HUGE_MIB      second size for the memory figures (4096; quick: none;
#                       skipped when the disk is short)
#   BENCH_FORMS         small forms per bulk seal call (10000; quick 2000)
#   BENCH_BULK_ROUNDS   rounds of the bulk seal comparison (3; quick 2)
#   BENCH_SINGLE        one-form seal processes (20)
#   BENCH_LIST_BIG      records for the large list/audit figures (100000;
#                       quick: none)
#   BENCH_SCALE         sizes of the curve, in records ("10000 30000 100000
#                       300000 1000000"; quick "10000 30000")
#   BENCH_SCALE_FORMS   forms per growing seal call (10000): the form files
#                       are reused by every call, each call making new records
#   BENCH_SCALE_ROUNDS  runs of each figure at each size (3; check runs once
#                       above 30,000 records)
#   BENCH_SCALE_MIN_FREE_MIB  stop growing below this much free disk (15360)
#   BENCH_REV           the revision to name in the report (default: git's)
#   BENCH_RESULTS       measure nothing: write the scale section from this
#                       results file of an earlier run (kept by BENCH_KEEP)
#   BENCH_KEEP          copy the run's results file here as it grows
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
if [ "$QUICK" = 1 ]; then
	SCALE_AT=${BENCH_SCALE:-10000 30000}; SROUNDS=${BENCH_SCALE_ROUNDS:-3}
else
	SCALE_AT=${BENCH_SCALE:-10000 30000 100000 300000 1000000}; SROUNDS=${BENCH_SCALE_ROUNDS:-3}
fi
SFORMS=${BENCH_SCALE_FORMS:-10000}
SCALE_MIN_FREE=${BENCH_SCALE_MIN_FREE_MIB:-15360}
PARTS=${BENCH_PARTS:-compare scale}
# BENCH_RESULTS=FILE: no measuring; the scale section is written from the
# results file of an earlier run (one cut short, or to re-render it).
[ -z "${BENCH_RESULTS:-}" ] || PARTS=scale
OUT=${BENCH_OUT:-$REPO/BENCHMARKS.md}
HAND_MARK='<!-- measured by hand'
SCALE_MARK='<!-- scale curve: scripts/bench.sh writes this section'
PNG=${OUT%.md}-scale.png

# want PART: whether BENCH_PARTS names PART (compare, scale).
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
for p in $PARTS; do
	case $p in compare | scale) ;; *) printf 'bench: BENCH_PARTS: unknown part %s (compare, scale)\n' "$p" >&2; exit 2 ;; esac
done

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
REV=${BENCH_REV:-$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')}
if [ -z "${BENCH_REV:-}" ] && ! (cd "$REPO" && git diff --quiet HEAD -- go.mod go.sum '*.go' ':!*_test.go' ':!scripts/' 2>/dev/null); then
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
# The plot of the scale curve: gonum.org/v1/plot in its own module
# (scripts/plot), outside tvault's go.mod. Without it the curve is a table.
PLOT=
if want scale; then
	if (cd "$REPO/scripts/plot" && go build -o "$W/bin/plot" .); then
		PLOT=$W/bin/plot
	else
		log "scripts/plot did not build: the scale curve will have no PNG"
	fi
fi

# m LABEL STDOUT CMD...: run CMD under rss; append "LABEL key=value..." to RES.
m() {
	_label=$1 _out=$2
	shift 2
	_line=$("$RSS" -o "$_out" -- "$@") || die "$_label failed: $*"
	echo "$_label $_line" >>"$RES"
	keep
}

# keep: the results so far to BENCH_KEEP, if set (the work folder goes at exit).
keep() { [ -z "${BENCH_KEEP:-}" ] || cp "$RES" "$BENCH_KEEP"; }

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
if want compare; then
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
fi

# ---------------------------------------------------------------------------
med() { agg "$1" "${2:-wall_s}"; }
mib() { agg "$1" "$2" "${3:-max}" | awk '{ printf "%.1f", $1 / 1024 }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# verdict OK-EXPRESSION: met or missed.
verdict() { awk "BEGIN { if ($1) print \"met\"; else print \"**missed**\" }"; }
sz() { if [ "$1" -ge 1024 ] && [ $(($1 % 1024)) = 0 ]; then echo "$(($1 / 1024)) GiB"; else echo "$1 MiB"; fi; }

# compare_report: the tvault / age comparison (and every measurement of it).
compare_report() {
	sb=$(med seal_big) ab=$(med age_enc_big)
	cb=$(med cat_big) db=$(med age_dec_big)
	rg=$(med range_big)
	bk=$(med seal_bulk) abk=$(med age_bulk) ac=$(med age_concat)
	s1=$(med seal_one) a1=$(med age_one)
	ls=$(med list_small)
	av=$(med audit_verify)
	anon_limit=65536 # KiB

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
	echo "This part alone: \`BENCH_PARTS=compare\`; the scale curve of issue 16 (below) alone: \`BENCH_PARTS=scale\`."
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
	for l in $(awk '$1 !~ /^scale_/ { print $1 }' "$RES" | awk '!seen[$0]++'); do
		cpu=$(awk -v l="$l" '$1 == l { u = s = 0; for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == "user_s") u = a[2]; if (a[1] == "sys_s") s = a[2] } print u + s }' "$RES" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		echo "| $l | $(agg "$l" wall_s n) | $(calc '%.3f' "$(med "$l")") ($(calc '%.3f' "$(agg "$l" wall_s min)")–$(calc '%.3f' "$(agg "$l" wall_s max)")) | $(calc '%.2f' "$cpu") | $(mib "$l" anon_kib) | $(mib "$l" file_kib) | $(mib "$l" maxrss_kib) |"
	done
}

# scale_report: the scale curve section (issue 16), with its plot data in
# $W/curve.tsv and the PNG next to the report.
scale_report() {
	echo "$SCALE_MARK -->"
	echo
	echo "## A vault of realistic forms up to $(big_n "$SCALE_MAX") records (issue 16)"
	echo
	echo "One vault grown through the bulk path (\`tvault seal\` of $SFORMS forms per process), measured each time it reaches a size on the curve."
	echo "Every time is the median of whole processes (start, vault open and close included) under scripts/rss; every size is measured in the same run."
	echo
	if [ -n "${BENCH_RESULTS:-}" ]; then
		echo "- written from the results of a run that ended $(date -u -r "$BENCH_RESULTS" '+%Y-%m-%d %H:%M UTC') (BENCH_RESULTS)"
	fi
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) × $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), shared with other work; work folder on $FSTYPE"
	echo "- tvault $REV, $TVAULT_BUILD; runs per figure: $SROUNDS (\`check\` above 30,000 records: 1)$([ "$QUICK" = 1 ] && echo '; **quick run** (BENCH_QUICK=1)')"
	echo "- reproduce: \`BENCH_PARTS=scale$([ "$QUICK" = 1 ] && echo ' BENCH_QUICK=1') sh scripts/bench.sh bin/tvault\` (after \`make build\`; sizes: BENCH_SCALE=\"$SCALE_AT\"); \`make bench\` runs it with everything else."
	[ -n "$SCALE_NOTE" ] && echo "- **$SCALE_NOTE**"
	echo
	[ -n "$SCALE_DONE" ] || { echo "(nothing measured yet)"; echo; return; }
	[ -n "$PNG_OK" ] && echo "![the curve: times and intake rate against records, log scale]($(basename "$PNG"))" && echo
	echo "| records | \`list --where topics=$SEL\` (rows; first after a seal) | \`list --where category=pow\` (rows; first after a seal) | \`show ID\` | open: \`policy show\` | \`audit export\` | \`audit verify\` (entries) | \`check\` | disk bytes/record | intake records/s (calls, min–max); CPU ms/record |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	prev=0
	for n in $SCALE_DONE; do
		ms() { v=$(agg "scale_$1_$n" wall_s); calc '%.0f ms' "$v*1000"; }
		sec() { v=$(agg "scale_$1_$n" wall_s); [ "$v" = nan ] && echo — && return; calc '%.2f s' "$v"; }
		rates=$(awk -v lo="$prev" -v hi="$n" '$1 == "scale_seal" { for (i = 2; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] } if (f["records"] > lo && f["records"] <= hi) printf "%.1f\n", f["forms"] / f["wall_s"] }' "$RES" | sort -g |
			awk '{ v[NR] = $1 } END { if (NR == 0) { print "—"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f (%d, %.0f–%.0f)", m, NR, v[1], v[NR] }')
		cpu=$(scale_rate "$prev" "$n" cpu)
		disk=$(agg "scale_disk_$n" kib)
		echo "| $(big_n "$n") | $(ms sel) ($(agg "scale_rows_$n" sel); $(ms selfirst)) | $(ms pow) ($(agg "scale_rows_$n" pow); $(ms powfirst)) | $(ms show) | $(ms open) | $(sec export) | $(sec verify) ($(agg "scale_entries_$n" n)) | $(sec check) | $(calc '%.0f' "$disk*1024/$n") | $rates; $(calc '%.2f' "$cpu") |"
		prev=$n
	done
	echo
	echo "CPU time (user + system, medians, ms) of the same runs: on a shared machine it says more than the wall time about what the command itself costs."
	echo
	echo "| records | \`list --where topics=…\` | \`list --where category=pow\` | \`show ID\` | \`policy show\` | \`audit export\` | \`audit verify\` | \`check\` |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for n in $SCALE_DONE; do
		cpu() { awk -v l="scale_$1_$n" '$1 == l { u = s = 0; for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == "user_s") u = a[2]; if (a[1] == "sys_s") s = a[2] } print (u + s) * 1000 }' "$RES" |
			sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "—"; else printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
		echo "| $(big_n "$n") | $(cpu sel) | $(cpu pow) | $(cpu show) | $(cpu open) | $(cpu export) | $(cpu verify) | $(cpu check) |"
	done
	echo
	first=$(echo "$SCALE_DONE" | awk '{ print $1 }') last=$(echo "$SCALE_DONE" | awk '{ print $NF }')
	f() { agg "scale_$1_$2" wall_s; }
	sel=$(f sel "$last") sh0=$(f show "$first") sh1=$(f show "$last") op0=$(f open "$first") op1=$(f open "$last") ve=$(f verify "$last")
	ents=$(agg "scale_entries_$last" n)
	plast=$(echo "$SCALE_DONE" | awk '{ print (NF > 1) ? $(NF - 1) : 0 }')
	r0=$(scale_rate 0 "$first") r1=$(scale_rate "$plast" "$last")
	c0=$(scale_rate 0 "$first" cpu) c1=$(scale_rate "$plast" "$last" cpu)
	m1=$(agg scale_mem_1000 anon_kib max) m10=$(agg scale_mem_first anon_kib max) mall=$(agg scale_seal anon_kib max)
	echo "Targets, at the largest size measured ($(big_n "$last") records$([ "$last" -lt 1000000 ] && echo ': **the targets are set at 1,000,000**')):"
	echo
	echo "| target | measured | |"
	echo "| --- | --- | --- |"
	echo "| \`list --where\` a selective value ≤ 100 ms at 1,000,000 | $(calc '%.0f ms' "$sel*1000") | $(verdict "$sel <= 0.1") |"
	echo "| \`show ID\` flat (largest size ≤ 1.5× smallest) and ≤ 50 ms | $(calc '%.0f' "$sh0*1000") → $(calc '%.0f ms' "$sh1*1000") | $(verdict "$sh1 <= 0.05 && $sh1 <= 1.5 * $sh0") |"
	echo "| opening the vault (\`policy show\`) flat and ≤ 50 ms | $(calc '%.0f' "$op0*1000") → $(calc '%.0f ms' "$op1*1000") | $(verdict "$op1 <= 0.05 && $op1 <= 1.5 * $op0") |"
	if [ "$ents" = nan ] || [ -z "$ents" ]; then
		echo "| \`audit verify\` ≤ 10 s for 1,000,000 entries | not measured yet | |"
	elif [ "$ents" -ge 1000000 ] || [ "$first" = "$last" ]; then
		echo "| \`audit verify\` ≤ 10 s for 1,000,000 entries | $(calc '%.2f s' "$ve") for $(big_n "$ents") | $(verdict "$ve * 1000000 / $ents <= 10") |"
	else
		# Below a million: projected linearly from the two largest sizes.
		pn=$(echo "$SCALE_DONE" | awk '{ print $(NF - 1) }')
		pv=$(f verify "$pn") pe=$(agg "scale_entries_$pn" n)
		proj=$(calc '%.2f' "$ve + ($ve - $pv) * (1000000 - $ents) / ($ents - $pe)")
		echo "| \`audit verify\` ≤ 10 s for 1,000,000 entries | $(calc '%.2f s' "$ve") for $(big_n "$ents"); projected $proj s at 1,000,000 (linear from the two largest sizes) | $(verdict "$proj <= 10") |"
	fi
	echo "| bulk intake ≥ 3,000 records/s, not decaying (median of the calls of the first and of the last interval) | $(calc '%.0f' "$r0") → $(calc '%.0f records/s' "$r1") (CPU $(calc '%.2f' "$c0") → $(calc '%.2f ms/record' "$c1")) | $(verdict "$r1 >= 3000 && $r1 >= 0.9 * $r0") |"
	echo "| peak RssAnon of one \`seal\`: $SFORMS forms − 1,000 forms (both into a new vault) ≤ 16 MiB | $(calc '%.1f' "$m1/1024") MiB → $(calc '%.1f' "$m10/1024") MiB: $(calc '%+.1f MiB' "($m10-$m1)/1024") (largest of any growing seal: $(calc '%.1f MiB' "$mall/1024")) | $(verdict "$m10 - $m1 <= 16384") |"
	echo
	echo "Commands (\`-i\` names a member's identity file; every command is one process):"
	echo
	echo "- intake: \`tvault seal --no-progress sforms/*.toml -i olena.age\` ($SFORMS form files, reused by every call: each call makes new records); rate = forms / wall time of the process"
	echo "- \`tvault list --where topics=$SEL -i mykola.age\`, \`tvault list --where category=pow -i mykola.age\`, \`tvault show ID -i mykola.age\` (ID: the first record sealed), \`tvault policy show -i mykola.age\` (the cheapest command that opens the vault: it reads and verifies the signed policy chain)"
	echo "- \`tvault audit export -o audit.jsonl -i taras.age\`, then \`tvault audit verify audit.jsonl\` (offline); \`tvault check -i taras.age\` (no \`--read-data\`)"
	echo "- disk: \`du -sk\` of the vault folder (blocks allocated) over the records"
	echo "- memory: \`tvault seal\` of the first 1,000 form files into a new vault ($SROUNDS runs), and the first growing call ($SFORMS forms, empty vault); peak RssAnon sampled every 10 ms"
	echo
	echo "Forms: two classes (testimony with a ~2 KB transcript attachment, identity) and public metadata with varied index values: category (one in ten pow), region (10 oblasts × 37 districts), interviewed (48 months), language, topics (two of ten, and a \`case-NNNNNN\` unique among the $SFORMS form files, so the selective value is held by one record per seal call: $((${last:-0} / SFORMS)) at $(big_n "$last"))."
	echo
}

# scale_rate LO HI [cpu]: median records/s (or CPU ms per record) of the
# growing seals ending in (LO, HI].
scale_rate() {
	awk -v lo="$1" -v hi="$2" -v cpu="${3:-}" '$1 == "scale_seal" { for (i = 2; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] }
		if (f["records"] > lo && f["records"] <= hi) print cpu ? (f["user_s"] + f["sys_s"]) * 1000 / f["forms"] : f["forms"] / f["wall_s"] }' "$RES" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# big_n N: 1000000 as 1,000,000.
big_n() { echo "$1" | awk '{ s = $1; r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }

# scale_plot: the curve's data, then its PNG (PNG_OK when drawn).
scale_plot() {
	[ -n "$PLOT" ] && [ -n "$SCALE_DONE" ] || return 0
	{
		for n in $SCALE_DONE; do
			for s in "sel:list --where topics (selective)" "pow:list --where category=pow" "show:show ID" "open:open (policy show)" "verify:audit verify" "check:check"; do
				printf 'time\t%s\t%s\t%s\n' "${s#*:}" "$n" "$(agg "scale_${s%%:*}_$n" wall_s)"
			done
		done
		for n in $(echo "$SCALE_DONE" | awk '{ print $1, $NF }'); do
			printf 'time\ttarget:list selective 100 ms\t%s\t0.1\n' "$n"
			printf 'time\ttarget:show, open 50 ms\t%s\t0.05\n' "$n"
			printf 'time\ttarget:audit verify 10 s at 1,000,000\t%s\t%s\n' "$n" "$(calc '%.4f' "10*$n/1000000")"
			printf 'rate\ttarget:3,000 records/s\t%s\t3000\n' "$n"
		done
		awk '$1 == "scale_seal" { for (i = 2; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] } printf "rate\tone seal of %d forms\t%d\t%.1f\n", f["forms"], f["records"], f["forms"] / f["wall_s"] }' "$RES"
	} >"$W/curve.tsv"
	if "$PLOT" -o "$PNG.tmp" -title "tvault $REV" "$W/curve.tsv"; then
		mv "$PNG.tmp" "$PNG"
		PNG_OK=1
	else
		log "plot failed: no PNG"
	fi
}

# write_report: BENCHMARKS.md from what this run measured; a part not run
# keeps its section from the file as it was, and so do the sections written
# by hand below HAND_MARK.
write_report() {
	old=$OUT
	[ -f "$old" ] || old=/dev/null
	scale_plot
	{
		if want compare; then
			compare_report
		else
			awk -v s="$SCALE_MARK" -v h="$HAND_MARK" 'index($0, s) == 1 || index($0, h) == 1 { exit } { print }' "$old"
		fi
		if want scale; then
			scale_report
		else
			awk -v s="$SCALE_MARK" -v h="$HAND_MARK" 'index($0, h) == 1 { exit } index($0, s) == 1 { on = 1 } on { print }' "$old"
		fi
		if grep -q "^$HAND_MARK" "$old"; then
			sed -n "/^$HAND_MARK/,\$p" "$old"
		fi
	} >"$OUT.tmp"
	mv "$OUT.tmp" "$OUT"
}

# scale_forms N: N realistic forms in sforms/: public metadata with varied
# index values, a testimony class with a ~2 KB transcript attachment, an
# identity class.
scale_forms() {
	awk -v n="$1" 'BEGIN {
		srand(16)
		split("pow-family missing-family civilian civilian-family russian-pow", cats, " ")
		split("Kharkiv Donetsk Luhansk Zaporizhzhia Kherson Mykolaiv Sumy Chernihiv Kyiv Dnipro", obl, " ")
		split("incommunicado torture deportation filtration forced-labour hostage shelling looting missing medical", tp, " ")
		nw = split("the a of and in to was were they he she we us them from at by for with on detention camp guard cell days weeks brother father mother son daughter village road checkpoint soldiers bus document phone passport water food cold night morning questioned released transferred basement", words, " ")
		for (i = 0; i < n; i++) {
			f = sprintf("sforms/%06d.toml", i)
			t = sprintf("t%06d.txt", i)
			cat = (i % 10 == 0) ? "pow" : cats[i % 5 + 1]
			printf "[public]\ncategory = \"%s\"\nregion = \"%s oblast, district %d\"\ninterviewed = \"%d-%02d\"\nlanguage = \"%s\"\ntopics = [\"%s\", \"%s\", \"case-%06d\"]\n\n", cat, obl[i % 10 + 1], i % 37, 2022 + i % 4, i % 12 + 1, (i % 7 == 0) ? "ru" : "uk", tp[i % 10 + 1], tp[(i * 7 + 3) % 10 + 1], i > f
			printf "[testimony]\nsummary = \"Interview %d: held for %d months; describes the conditions of detention and the lack of medical care.\"\ndetention_site = \"site %d\"\nfiles = [\"%s\"]\n\n", i, i % 36, i % 40, t > f
			printf "[identity]\ninterviewee = \"Інтерв'\''юйований %d\"\nrelation = \"mother\"\ncontact = \"+380 67 %07d\"\n", i, i > f
			close(f)
			s = sprintf("Transcript of interview %d.\n", i)
			while (length(s) < 2000) {
				line = ""
				for (k = 0; k < 12; k++) line = line words[int(rand() * nw) + 1] " "
				s = s line "\n"
			}
			printf "%s", s > ("sforms/" t)
			close("sforms/" t)
		}
	}'
}

# scale_seal VAULT K LABEL: one seal of the first K forms; appends
# "LABEL records=… forms=K …" to RES (records: SRECORDS after the call).
scale_seal() {
	_v=$1 _k=$2 _label=$3
	# shellcheck disable=SC2046 # the form paths have no spaces
	set -- $(head -n "$_k" sforms.list)
	_line=$("$RSS" -o ids.scale -- "$T" --vault "$_v" seal --no-progress "$@" -i keys/olena.age 2>seal.err) || {
		cat seal.err >&2
		die "$_label: seal of $_k forms into $_v failed"
	}
	[ "$(wc -l <ids.scale)" -eq "$_k" ] || die "$_label: seal printed $(wc -l <ids.scale) ids, want $_k"
	echo "$_label records=$((SRECORDS + _k)) forms=$_k $_line" >>"$RES"
	keep
}

# scale_grow N: bulk seals of SFORMS forms until the scale vault holds N
# records; fails (with SCALE_NOTE) when the disk runs short.
scale_grow() {
	log "scale: growing the vault to $1 records"
	while [ "$SRECORDS" -lt "$1" ]; do
		if [ "$(avail_mib)" -lt "$SCALE_MIN_FREE" ]; then
			SCALE_NOTE="stopped growing at $SRECORDS records: $(avail_mib) MiB free, below BENCH_SCALE_MIN_FREE_MIB=$SCALE_MIN_FREE"
			log "$SCALE_NOTE"
			return 1
		fi
		k=$SFORMS
		[ $((SRECORDS + k)) -le "$1" ] || k=$(($1 - SRECORDS))
		if [ -z "$SID" ]; then
			scale_seal v-scale "$k" scale_mem_first
			SID=$(head -n 1 ids.scale)
			sed -n '$s/^scale_mem_first/scale_seal/p' "$RES" >>"$RES"
		else
			scale_seal v-scale "$k" scale_seal
		fi
		SRECORDS=$((SRECORDS + k))
		log "  $SRECORDS records: $(awk '$1 == "scale_seal" { l = $0 } END { split(l, f, " "); for (i in f) { split(f[i], a, "="); v[a[1]] = a[2] } printf "%.0f records/s", v["forms"] / v["wall_s"] }' "$RES")"
	done
}

# scale_measure N: every figure of the curve at N records, the report
# rewritten after each group so that a run cut short keeps what it measured.
scale_measure() {
	n=$1
	log "scale: measuring at $n records"
	# The first list after a seal confirms the new records' headers (and
	# notes them in the member's list cache): measured apart.
	m "scale_selfirst_$n" sel.out "$T" --vault v-scale list --where "topics=$SEL" -i keys/mykola.age
	m "scale_powfirst_$n" pow.out "$T" --vault v-scale list --where category=pow -i keys/mykola.age
	r=1
	while [ $r -le "$SROUNDS" ]; do
		m "scale_sel_$n" sel.out "$T" --vault v-scale list --where "topics=$SEL" -i keys/mykola.age
		m "scale_show_$n" /dev/null "$T" --vault v-scale show "$SID" -i keys/mykola.age
		m "scale_open_$n" /dev/null "$T" --vault v-scale policy show -i keys/mykola.age
		m "scale_pow_$n" pow.out "$T" --vault v-scale list --where category=pow -i keys/mykola.age
		r=$((r + 1))
	done
	echo "scale_rows_$n sel=$(($(wc -l <sel.out) - 1)) pow=$(($(wc -l <pow.out) - 1))" >>"$RES"
	rm -f sel.out pow.out
	echo "scale_disk_$n kib=$(du -sk v-scale | awk '{ print $1 }')" >>"$RES"
	keep
	SCALE_DONE="$SCALE_DONE $n"
	write_report
	m "scale_export_$n" /dev/null "$T" --vault v-scale audit export -o scale-audit.jsonl -i keys/taras.age 2>export.log
	echo "scale_entries_$n n=$(sed -n 's/.*exported \([0-9]*\) entries.*/\1/p' export.log | head -n 1)" >>"$RES"
	keep
	r=1
	while [ $r -le "$SROUNDS" ]; do
		m "scale_verify_$n" /dev/null "$T" audit verify scale-audit.jsonl
		r=$((r + 1))
	done
	rm -f scale-audit.jsonl
	write_report
	c=$SROUNDS
	[ "$n" -le 30000 ] || c=1
	r=1
	while [ $r -le "$c" ]; do
		m "scale_check_$n" /dev/null "$T" --vault v-scale check -i keys/taras.age
		r=$((r + 1))
	done
	write_report
	log "scale: $n records measured"
}

# ---------------------------------------------------------------------------
SCALE_DONE=""
SCALE_NOTE=""
SID=""
PNG_OK=""
SEL=case-000123
if [ -n "${BENCH_RESULTS:-}" ]; then
	cp "$BENCH_RESULTS" "$RES"
	SCALE_MAX=$(echo "$SCALE_AT" | awk '{ print $NF }')
	SCALE_DONE=$(awk '$1 ~ /^scale_disk_/ { sub(/^scale_disk_/, "", $1); printf " %s", $1 }' "$RES")
	SFORMS=$(awk '$1 == "scale_seal" { sub(/^forms=/, "", $3); print $3; exit }' "$RES")
	: "${SFORMS:=10000}"
elif want scale; then
	SCALE_MAX=$(echo "$SCALE_AT" | awk '{ print $NF }')
	log "scale: $SFORMS realistic forms with a transcript each"
	rm -rf sforms && mkdir sforms
	scale_forms "$SFORMS"
	ls sforms | grep '\.toml$' | sed 's|^|sforms/|' >sforms.list
	log "scale: memory of one seal of 1,000 forms, $SROUNDS runs into a new vault"
	r=1
	while [ $r -le "$SROUNDS" ]; do
		newvault v-mem
		scale_seal v-mem 1000 scale_mem_1000
		r=$((r + 1))
	done
	rm -rf v-mem
	newvault v-scale
	SRECORDS=0
	for n in $SCALE_AT; do
		scale_grow "$n" || break
		scale_measure "$n"
	done
	rm -rf v-scale sforms sforms.list
fi

write_report
log "done: $OUT"
cat "$OUT"
