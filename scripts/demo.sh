#!/bin/sh
# make demo: a complete scenario on an embedded vault in a temporary folder.
# A team of five (admin, researcher, analyst, two lawyers) sets up a vault
# with the example policy, seals three interviews, and reads them back as
# each role may; seals a fourth in a field vault and brings it home in a
# bundle; a lawyer leaves, after which the keys are rotated; an interviewee
# withdraws consent and her record is erased, another is put under a legal hold. Identities use tvault's real defaults (post-quantum keys,
# passphrase at age's scrypt work factor), so each step takes about a second.
set -eu
TVAULT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
EXAMPLES=$(cd "$(dirname "$0")/.." && pwd)/examples
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/tvault-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT
cd "$DEMO"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
# expect CODE CMD...: runs a command that must fail with exit CODE.
expect() {
	want=$1; shift
	printf '$ %s\n' "$*"
	set +e; "$@"; got=$?; set -e
	if [ "$got" != "$want" ]; then echo "demo: expected exit $want, got $got" >&2; exit 1; fi
	echo "(exit $got, as expected)"
}
tvault() { "$TVAULT" "$@"; }

export TVAULT_VAULT="$DEMO/vault"
(umask 077; printf 'demo passphrase — use a real one\n' > pass)  # tvault refuses a passphrase file others can read
export TVAULT_PASSPHRASE_FILE="$DEMO/pass"

step "Each member makes an identity (post-quantum by default; mykola's laptop uses a classic key)"
for m in admin-kyiv olena iryna taras; do
	tvault keygen -o "$m.age" > "$m.card"
done
tvault keygen -o mykola.age --classic > mykola.card
cat olena.card | cut -c1-80

step "The admin writes the policy from the example and the members' cards"
sed '/^\[\[members\]\]/,$d' "$EXAMPLES/policy.toml" > policy.toml
for pair in admin-kyiv:admin olena:researcher mykola:analyst iryna:legal taras:legal; do
	name=${pair%%:*}; role=${pair#*:}
	printf '\n[[members]]\nname = "%s"\nroles = ["%s"]\n' "$name" "$role" >> policy.toml
	cat "$name.card" >> policy.toml
done
run tvault policy check policy.toml

step "The admin creates the vault: slot keys for each class, wrapped to their holders"
run tvault init --policy policy.toml -i admin-kyiv.age

step "Olena fills in three interview forms in the field"
mkdir -p i1 i2 i3
cp "$EXAMPLES/form.toml" i1/form.toml
echo "Redacted transcript: my son was taken at the filtration point..." > i1/transcript-redacted.txt
head -c 48000000 /dev/urandom > i1/interview.opus   # ~50 minutes of Opus audio
echo "(scan of a signed consent form)" > i1/consent-form.jpg
echo "Повний транскрипт: Олена Петренко, мати Петра Петренка" > i1/transcript-full.txt
cat > i2/form.toml <<'FORM'
[public]
category = "pow"
region = "Zaporizhzhia oblast"
interviewed = "2024-06"
language = "uk"
topics = ["torture", "incommunicado"]

[testimony]
summary = "Held for 14 months; describes interrogations and the lack of medical care."
files = ["transcript-redacted.txt"]

[identity]
interviewee = "Андрій Коваль"
unit = "(withheld)"
files = ["transcript-full.txt"]
FORM
echo "Redacted: I was held in a basement for the first weeks..." > i2/transcript-redacted.txt
echo "Full: Андрій Коваль, born 1990, captured near..." > i2/transcript-full.txt
cat > i3/form.toml <<'FORM'
[public]
category = "missing-family"
region = "Kharkiv oblast"
interviewed = "2024-07"
language = "ru"
topics = ["enforced-disappearance"]

[testimony]
summary = "Brother disappeared after a checkpoint in March 2022."

[identity]
interviewee = "Ирина Сидоренко"
missing_person = "Олег Сидоренко"
FORM

step "Olena seals all three in one call (the bulk path); each id prints on its own line"
printf '$ tvault seal i1/form.toml i2/form.toml i3/form.toml -i olena.age\n'
tvault seal i1/form.toml i2/form.toml i3/form.toml -i olena.age | tee ids
R1=$(sed -n 1p ids); R2=$(sed -n 2p ids); R3=$(sed -n 3p ids)

step "Her laptop cannot read back what she sealed"
expect 3 tvault open "$R1" -o olena-out -i olena.age

step "Anyone on the team lists the public, redacted metadata"
run tvault list -i mykola.age
run tvault list --where region="Kharkiv oblast" --where topics=incommunicado -i mykola.age

step "Mykola (analyst) opens the testimony; the identity class is skipped"
run tvault open "$R1" -o mykola-out -i mykola.age --purpose "pattern analysis, filtration sites"
ls -l mykola-out/testimony

step "Asking for the identity class outright is denied and logged"
expect 3 tvault open "$R1" --class identity -o mykola-id -i mykola.age

step "Iryna (legal) unmasks the interviewee for a filing"
run tvault open "$R2" -o iryna-out -i iryna.age --purpose "ICC filing preparation"
cat iryna-out/identity/fields.json
run tvault cat "$R1" testimony/interview.opus --offset 1000000 --length 16 -i iryna.age | od -An -tx1 | head -2

step "The ICC team's lawyer keeps today's checkpoint of the audit log, off this machine"
run tvault audit checkpoint -o kept-by-lawyer.txt -i iryna.age

step "For the next trip Olena carries a field vault, not the vault: it seals, opens nothing, names no one else"
run tvault kit export -o kit.tvk -i admin-kyiv.age
run tvault init --kit kit.tvk --name olena --vault field -i olena.age
mkdir -p i4
cat > i4/form.toml <<'FORM'
[public]
category = "civilian"
region = "Kherson oblast"
interviewed = "2024-09"
language = "uk"
topics = ["shelling"]

[testimony]
summary = "Describes the shelling of a bread queue."
files = ["transcript-redacted.txt"]

[identity]
interviewee = "Марія Бондар"
FORM
echo "Redacted: we were standing in line when..." > i4/transcript-redacted.txt
printf '$ tvault seal --remove-sources i4/form.toml --vault field -i olena.age\n'
tvault seal --remove-sources i4/form.toml --vault field -i olena.age | tee id4
R4=$(cat id4)
expect 3 tvault open "$R4" -o field-out --vault field -i olena.age
run tvault bundle export -o trip.tvb --vault field -i olena.age

step "Back home any member imports the bundle: verified whole, then added; the receipt clears her laptop"
run tvault bundle import trip.tvb -o trip.receipt -i mykola.age
run tvault bundle purge trip.receipt --vault field -i olena.age
run tvault show "$R4" -i mykola.age

step "Taras leaves the legal team: the policy changes at once, the keys follow"
sed '/^\[\[members\]\]/,$d' "$EXAMPLES/policy.toml" > policy-v2.toml
for pair in admin-kyiv:admin olena:researcher mykola:analyst iryna:legal; do
	name=${pair%%:*}; role=${pair#*:}
	printf '\n[[members]]\nname = "%s"\nroles = ["%s"]\n' "$name" "$role" >> policy-v2.toml
	cat "$name.card" >> policy-v2.toml
done
run tvault policy apply policy-v2.toml -i admin-kyiv.age
run tvault keys status -i mykola.age
run tvault keys rotate --class identity -i iryna.age
run tvault keys rotate --class testimony -i iryna.age
run tvault keys rewrap --no-progress -i iryna.age
run tvault keys status -i mykola.age
expect 3 tvault open "$R2" -o taras-out -i taras.age

step "An interviewee withdraws consent altogether: Iryna erases her record, and no byte of it is left in the vault folder"
expect 3 tvault erase "$R3" --reason "consent withdrawn by the interviewee" -i mykola.age
run tvault erase "$R3" --reason "consent withdrawn by the interviewee" -i iryna.age
expect 5 tvault show "$R3" -i mykola.age
run tvault check -i mykola.age

step "Iryna places a legal hold on the record of the ICC filing: no one can erase it until it is released"
run tvault hold "$R2" --reason "ICC filing in preparation" -i iryna.age
expect 3 tvault erase "$R2" --reason "sealed by mistake" -i iryna.age
run tvault list --held -i mykola.age

step "Iryna (legal) exports the audit log; anyone can verify it offline"
run tvault audit export -o audit.jsonl -i iryna.age
run tvault audit verify audit.jsonl
grep -c '"outcome":"denied"' audit.jsonl | sed 's/^/denied attempts on record: /'
run tvault audit checkpoint -o checkpoint.txt -i iryna.age
cat checkpoint.txt

step "The court trusts neither Iryna nor the export: the members' keys from the signed policy chain, history checked against the lawyer's checkpoint"
run tvault policy export -o chain.json -i mykola.age
run tvault audit verify audit.jsonl --trust chain.json --against kept-by-lawyer.txt

step "A tampered export is caught, and so is one cut short"
sed 's/"outcome":"denied"/"outcome":"ok"/' audit.jsonl > tampered.jsonl
expect 4 tvault audit verify tampered.jsonl
head -n 5 audit.jsonl > cut.jsonl && tail -n 1 audit.jsonl >> cut.jsonl
expect 4 tvault audit verify cut.jsonl --trust chain.json --against kept-by-lawyer.txt

step "Done: the vault was in $DEMO and is now removed"
