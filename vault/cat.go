package vault

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tvault/tvault/vault/internal/record"
)

// CatOptions selects a byte range of an attachment. The zero value reads
// the whole attachment; Length <= 0 means to the end.
type CatOptions struct {
	Offset  int64
	Length  int64
	Purpose string
}

// Cat streams one attachment's plaintext (or a range of it) to w: its
// content, never its padding. The audit entry commits before the first
// byte is written. A full read checks the padding and, at the end, the
// ciphertext hash, and reports ErrIntegrity if either is wrong; every 64
// KiB chunk is authenticated before it is written, as with age -d; a large
// attachment is decrypted on every core and written in order (parread.go),
// and nothing after a chunk that fails is written. A range
// is read through age.DecryptReaderAt and touches only the chunks it
// needs. When ctx is cancelled it stops between chunks; what reached w by
// then is the caller's to discard.
func (a *Actor) Cat(ctx context.Context, id, class, name string, w io.Writer, opts CatOptions) error {
	if err := a.authorize("cat", ""); err != nil {
		return err
	}
	h, access, err := a.accessAll(ctx, id, []string{class})
	if err != nil {
		return a.failed("cat", id, err)
	}
	defer forget(access)
	if err := a.checkPurpose("cat", h, class, opts.Purpose); err != nil {
		return err
	}
	pa := access[0]
	if pa.dek == nil {
		return a.deny("cat", id, class, pa.reason)
	}
	att, ref, err := attachment(pa, id, name)
	if err != nil {
		return a.failed("cat", id, err)
	}
	if opts.Offset < 0 || opts.Offset > att.Size {
		return &InputError{Msg: fmt.Sprintf("offset %d is outside the attachment (%d bytes)", opts.Offset, att.Size)}
	}
	detail := purposeDetail(opts.Purpose)
	ranged := opts.Offset > 0 || opts.Length > 0
	if ranged {
		detail = strings.TrimPrefix(fmt.Sprintf("%s; range %d+%d", detail, opts.Offset, opts.Length), "; ")
	}
	if err := a.recordOK("cat", id, class, withVia(detail, pa.via)); err != nil {
		return err
	}
	if !ranged {
		// No plaintext hash here: the ciphertext's hash is pinned by the
		// sealer's signature and age authenticates every chunk under the
		// DEK, so a stream that passes both is exactly what was sealed; a
		// third pass over the data would only cost time.
		return a.v.decryptContent(ctx, pa.dek, ref, att.Size, pa.padded, w)
	}
	return a.v.decryptRange(ctx, pa.dek, ref, att.Size, pa.padded, opts.Offset, opts.Length, w)
}

// attachment finds the attachment called name in a part.
func attachment(pa *partAccess, id, name string) (record.Attachment, record.BlobRef, error) {
	names := make([]string, len(pa.man.Attachments))
	for i, att := range pa.man.Attachments {
		if att.Name == name {
			return att, pa.part.Blobs[i], nil
		}
		names[i] = att.Name
	}
	return record.Attachment{}, record.BlobRef{}, fmt.Errorf("class %s of record %s has no attachment %q (it has: %s): %w",
		pa.part.Class, id, name, joinComma(names), ErrNotFound)
}
