package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// jsonForms lists the commands that print JSON with --json, and what each
// prints: one JSON value, or JSON Lines for a stream. setJSONForm puts the
// text in the command's --help. Every other command refuses the flag with
// exit 2, so that none ignores it silently: a new command has no JSON form
// until it is added here, and TestJSONFlag runs every command with --json.
var jsonForms = map[string]string{
	"keygen":        `one object, the card: {"recipient":"…","signing_key":"…","card_sig":"…"}`,
	"card":          `one object, the card: {"recipient":"…","signing_key":"…","card_sig":"…"}`,
	"init":          `one object: {"vault":"DIR","id":"…","policy":"NAME","policy_version":1,"classes":["…"]}; a field vault adds "field":true and "for":"<the vault's id>"`,
	"bundle export": `one object: {"records":N,"file":"FILE"}`,
	"bundle import": `one object: {"records":N,"imported":N,"present":N,"erased":N} (present: records the vault held already;
 erased: records erased here before, which an import never brings back)`,
	"bundle purge": `one object: {"purged":N,"kept":N}`,
	"custody": `one object, for custody ID (the report made) and custody verify FILE: {"ok":true,"record":"…","vault":"…","sealed_by":"NAME","sealed_at":"…","sealing_entry":N,
 "imported":BOOL,"events":[{"seq":N,"time":"…","actor":"…","action":"…","class":"…","outcome":"…","detail":"…"}],
 "attachments":[{"class":"…","name":"…","size":N,"sha256":"…"}],"made_by":"NAME","tree_size":N,"checkpoint_signer":"NAME",
 "report_sha256":"…"}`,
	"policy show": `one object: {"version":N,"policy":"<the policy file's text>"}; with --version N also
 "signed_by":"NAME","signed_at":"<RFC 3339>","current":BOOL`,
	"policy apply": `one object: {"version":N,"previous":N,"changes":[{"kind":"…","subject":"…","class":"…","text":"…","shortens":BOOL}],
 "next_steps":[{"class":"…","why":"…","members":["…"],"commands":["tvault keys sync"]}],
 "retention":[{"class":"…","from":"…","to":"…","expired":N}]}
(kind: member-added, member-removed, member-keys, member-roles, role-added, role-removed, role-changed,
 class-added, class-threshold, class-retention, holder-added, holder-removed, purpose-added, purpose-removed, field-added, field-removed, field-changed, name;
 class only for holder-added and holder-removed)`,
	"keys status": `one object: {"policy_version":N,"classes":[{"class":"…","current_epoch":N,
 "epochs":[{"epoch":N,"records":N}],"stale":["NAME"],"lacking":["NAME"],"unreadable":N}]}
(current_epoch 0: the class has no keys yet)`,
	"keys sync": `an array, one object per class: {"class":"…","epoch":N,"granted":["NAME"],"lacking":["NAME"],"pending":"…"}
(pending, when members still lack keys: why, and what would give them keys)`,
	"keys rotate": `one object: {"class":"…","from":N,"epoch":N,"threshold":N,"holders":["NAME"],"awaiting":["NAME"]}
(awaiting: for a threshold class, the holders who have not offered their slot yet; the epoch is in force when none)`,
	"keys rewrap": `an array, one object per class: {"class":"…","epoch":N,"moved":N,"current":N,"waiting":N,"left":N,"pending":"…","stale":["NAME"]}
(waiting: threshold records this holder contributed to that await other holders; left: records still on older
 epochs, which pending says why; stale: members the policy no longer gives the class who hold epoch N — rotate first)`,
	"policy check": `one object on standard output, whether or not the policy is valid (the exit code is the same):
{"file":"FILE","ok":true,"policy":"NAME","classes":N,"roles":N,"members":N,
 "problems":[{"line":N,"name":"…","message":"…"}],"warnings":[…]}
(line 0: no line applies; policy, classes, roles and members only when ok)`,
	"seal": `JSON Lines: one {"id":"…","classes":["…"],"attachments":N,"bytes":N} per record, in the order of the forms`,
	"list": `one array: [{"id":"…","sealed_at":"<RFC 3339>","sealed_by":"NAME","public":{…},"classes":["…"]}];
with --held: [{"id":"…","entry":N,"held_at":"<RFC 3339>","held_by":"NAME","reason":"…"}] (entry: the hold entry)`,
	"show": `one object: {"id":"…","sealed_at":"<RFC 3339>","sealed_by":"NAME","public":{…},"classes":["…"],
 "policy_version":N,"signature":"valid","parts":[{"class":"…","epoch":N,"threshold":N,"attachments":N,"ciphertext_bytes":N,"erased_in":N}],
 "consent":{"given":["…"],"in_force":["…"],"withdrawals":[{"purpose":"…","reason":"…","at":"<RFC 3339>","by":"NAME","entry":N}]}}
(erased_in: the erase entry that erased the class, absent if none; consent only where the policy lists purposes;
 in_force empty: the record can no longer be opened)`,
	"open": `one object: {"id":"…","dir":"DIR","opened":[{"class":"…","files":["DIR/…"]}],
 "skipped":[{"class":"…","reason":"…"}],"leftovers_removed":N}
(skipped: the classes your role cannot decrypt; leftovers_removed: hidden folders of an interrupted open, removed)`,
	"audit export": `JSON Lines, what it writes without --json: one signed entry a line, with the proofs that
'tvault audit verify FILE' checks (--csv is the other form; the two cannot be combined)`,
	"audit verify": `one object: {"ok":true,"entries":N,"filtered":false,"tree_size":N,"root":"<base64>",
 "signer":"NAME","signer_key":"ed25519:…","first":"<RFC 3339>","last":"<RFC 3339>",
 "keys_from":"…","extends_checkpoint_of":N,"witnessed":[{"name":"…","tree_size":N}]}
(filtered: the export holds selected entries, each with its inclusion proof; first and last: the times
of the first and last entries checked, absent if none; keys_from: where the keys that verified an export
came from, "the export itself" without --trust, absent for the vault's own log; extends_checkpoint_of:
the size of the --against checkpoint proven extended; witnessed: the witnesses whose cosignatures verified,
and the largest tree each cosigned). A failure prints nothing on standard output`,
	"audit witness": `one object: {"witness":"NAME","tree_size":N,"old_size":N,"cosigned":"<the checkpoint with the witness's cosignature>"}
(old_size: the tree size the witness had cosigned before, 0 for none); with --setup: {"origin":"tvault/…","keys":["NAME+HASH+KEY"]}`,
	"check": `one object: {"records":N,"blobs":N,"audit_entries":N,
 "findings":[{"severity":"…","subject":"…","message":"…"}],"orphans":["…"],"partial":["…"],"repaired":false}
(orphans and partial: blobs an interrupted seal left, which --repair removes)`,
	"consent withdraw": `one object: {"record":"ID","purpose":"…","reason":"…","at":"<RFC 3339>","by":"NAME","entry":N,
 "already_withdrawn":false,"in_force":["…"]}
(already_withdrawn: the purpose had been withdrawn before, by that entry, and nothing changed; in_force empty:
 the record can no longer be opened, and 'tvault erase ID' is the next step)`,
	"erase": `one object: {"id":"…","class":"…","entry":N,"finished":BOOL}
(class: absent when the whole record was erased; entry: the erase entry; finished: this run only finished
an erasure an interruption had left unfinished)`,
	"hold": `one object: {"id":"…","entry":N}; with --release also "released":{"id":"…","entry":N,"held_at":"<RFC 3339>",
 "held_by":"NAME","reason":"…"} (entry: the hold or hold-release entry; released: the hold it ended)`,
	"retention run": `one object: {"dry_run":BOOL,"at":"<RFC 3339>","entry":N,"items":[{"id":"…","class":"…",
 "sealed_at":"<RFC 3339>","retention":"…","expired_at":"<RFC 3339>","what":"erased|held|would erase|skipped|not erased","entry":N,"hold":N}]}
(class: absent for a whole record; retention: the class's, or for a whole record each class's; entry: the run's
retention-run entry, and an item's erase entry; hold: the hold entry of a held record)`,
	"unmask request": `one object: {"request":"ID","record":"ID","class":"…"}`,
	"unmask approve": `one object: {"request":"ID","record":"ID","class":"…","requester":"NAME","shares":N,"need":N}
(shares: what the requester now holds, their own counting; need: the class's threshold)`,
	"unmask list": `one array: [{"request":"ID","record":"ID","class":"…","requester":"NAME","reason":"…",
 "requested_at":"<RFC 3339>","epoch":N,"approvers":["NAME"],"shares":N,"need":N,"state":"pending|granted|stale"}]`,
}

// noJSON says why a command has no JSON form, where a reason helps, and
// what to do instead.
var noJSON = map[string][2]string{
	"cat": {"cat writes the attachment's own bytes, which have no JSON form",
		"run it without --json"},
	"policy export": {"policy export writes the signed policy chain, a JSON file that 'audit verify --trust' reads as written, so it has no other JSON form",
		"run it without --json ('-o -' writes the chain to standard output)"},
	"audit checkpoint": {"audit checkpoint writes a signed note that 'audit verify --against' reads exactly as written, so it has no JSON form",
		"run it without --json; 'tvault audit verify --json' prints the tree size and root"},
}

// setJSONForm walks the commands under c (named path): one with a JSON
// form gets it described in its --help; any other gets a Before that
// refuses --json.
func setJSONForm(c *cli.Command, path string) {
	name := strings.TrimSpace(path + " " + c.Name)
	if len(c.Subcommands) > 0 {
		for _, s := range c.Subcommands {
			setJSONForm(s, name)
		}
		return
	}
	if form, ok := jsonForms[name]; ok {
		if c.Description != "" {
			c.Description += "\n\n"
		}
		c.Description += "With --json, prints " + form + "."
		return
	}
	before := c.Before
	c.Before = func(ctx *cli.Context) error {
		if ctx.Bool("json") {
			why, ok := noJSON[name]
			if !ok {
				why = [2]string{name + " has no JSON form", "run it without --json"}
			}
			return withHint(usagef("--json: %s", why[0]), "%s", why[1])
		}
		if before != nil {
			return before(ctx)
		}
		return nil
	}
	if c.Description != "" {
		c.Description += "\n\n"
	}
	c.Description += "It has no JSON form: --json is refused (exit 2)."
}
