package audit

import (
	"bufio"
	"flag"
	"os"
	"testing"
)

// bigExport, when set, is where TestWriteBigExport writes an unfiltered
// export of bigEntries entries, for measuring the CLI's 'audit verify' on
// a log of realistic size through scripts/rss:
//
//	go test ./vault/audit -run TestWriteBigExport -audit.bigexport=/work/scratch/x.jsonl -audit.bigentries=1000000
var (
	bigExport  = flag.String("audit.bigexport", "", "write an export of -audit.bigentries entries to `FILE`")
	bigEntries = flag.Int("audit.bigentries", 1_000_000, "entries in the export -audit.bigexport writes")
)

func TestWriteBigExport(t *testing.T) {
	if *bigExport == "" {
		t.Skip("no -audit.bigexport FILE given")
	}
	l, m := buildLogFast(t, *bigEntries)
	f, err := os.Create(*bigExport)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := l.Export(w, m, testKeys(), ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
