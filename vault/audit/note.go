package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// SignNote returns text as a signed note (C2SP signed-note), signed by the
// actor under their name, as checkpoints are: for documents a member vouches
// for, such as a custody report. text must end with a newline and hold no
// blank line.
func SignNote(a Actor, text string) ([]byte, error) {
	s, err := newSigner(a)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: text}, s)
}

// OpenNote verifies a signed note against member keys (as an export's keys
// line lists them) and returns its text and the name of its first valid
// signer. Every signature must be by a listed member key.
func OpenNote(msg []byte, keys []KeyInfo) (text, signer string, err error) {
	var vs []note.Verifier
	for _, k := range keys {
		if !k.Member {
			continue
		}
		pub, err := parseKey(k.Key)
		if err != nil {
			return "", "", err
		}
		v, err := newVerifier(k.Name, pub)
		if err != nil {
			return "", "", err
		}
		vs = append(vs, v)
	}
	known := note.VerifierList(vs...)
	n, err := note.Open(msg, known)
	if err == nil {
		err = checkRepeatedSigs(msg, known)
	}
	if err != nil {
		return "", "", fmt.Errorf("the signature does not verify with any member's key: %v", err)
	}
	return n.Text, n.Sigs[0].Name, nil
}

// ExportEntries reads an export VerifyExport has accepted and returns its
// keys line and its entries. It checks nothing VerifyExport does not:
// call it only on an export that verified.
func ExportEntries(export []byte) ([]KeyInfo, []Entry, error) {
	sc := bufio.NewScanner(bytes.NewReader(export))
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var keys []KeyInfo
	var entries []Entry
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		switch {
		case n == 2:
			var k keysJSON
			if err := json.Unmarshal(line, &k); err != nil {
				return nil, nil, err
			}
			keys = k.Keys
		case n > 2 && bytes.HasPrefix(line, []byte(`{"seq":`)):
			var ej entryJSON
			if err := json.Unmarshal(line, &ej); err != nil {
				return nil, nil, err
			}
			tm, err := parseTime(ej.Time)
			if err != nil {
				return nil, nil, err
			}
			entries = append(entries, ej.entry(tm))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if keys == nil {
		return nil, nil, errors.New("the export has no keys line")
	}
	return keys, entries, nil
}
