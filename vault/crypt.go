package vault

import (
	"context"
	"encoding/hex"
	"errors"
	"hash"
	"io"

	"filippo.io/age"
	"github.com/zeebo/blake3"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/record"
)

// encryptBlob encrypts src, padded (pad.go), as an age file to the DEK
// stanza of blobID and stores it through the blob router; the returned
// reference pins the ciphertext. An inline blob comes back as bytes for the record's
// transaction. On error nothing of the blob is left stored. ctx reaches
// the blob store; a long src should observe it too (see sealFile). size is
// src's length if known (else -1): a hint for the inline buffer.
func (v *Vault) encryptBlob(ctx context.Context, dek []byte, blobID string, src io.Reader, size int64) (record.BlobRef, []byte, error) {
	r, err := tcrypto.NewDEKRecipient(dek, blobID)
	if err != nil {
		return record.BlobRef{}, nil, err
	}
	stored := int64(-1)
	if size >= 0 {
		stored = sealedSize(size)
	}
	bw := v.newBlobWriter(ctx, blobID, stored)
	aw, err := age.Encrypt(bw, r)
	var n int64
	if err == nil {
		n, err = io.Copy(aw, src)
	}
	if err == nil {
		err = writePadding(aw, n)
	}
	if err == nil {
		err = aw.Close()
	}
	if err != nil {
		bw.abort()
		return record.BlobRef{}, nil, err
	}
	ref, inline, err := bw.close()
	if err != nil {
		bw.abort()
	}
	return ref, inline, err
}

// decryptBlob streams a blob's whole plaintext, padding included, into w,
// checking the ciphertext's BLAKE3 hash against the signed reference as it
// goes. limit > 0 caps the plaintext. When it returns an error, whatever reached w must be
// discarded; an error of w itself comes back unchanged.
func (v *Vault) decryptBlob(ctx context.Context, dek []byte, ref record.BlobRef, w io.Writer, limit int64) error {
	ident, blob, err := v.openEncrypted(ctx, dek, ref)
	if err != nil {
		return err
	}
	defer blob.Close()
	return decryptStream(ctx, ident, blob, ref, w, limit)
}

// decryptStream is decryptBlob on an opened blob, read from its start on
// one goroutine: what a small blob costs least with.
func decryptStream(ctx context.Context, ident age.Identity, blob io.Reader, ref record.BlobRef, w io.Writer, limit int64) error {
	// The ciphertext is read ahead and hashed on a goroutine of its own,
	// overlapping with decryption here.
	src := newCiphertextReader(contextReader{ctx, blob})
	defer src.Close()
	r, err := age.Decrypt(src, ident)
	if err != nil {
		return blobError(ref.ID, err)
	}
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	n, err := io.CopyBuffer(destWriter{w}, r, make([]byte, 64<<10))
	if err != nil {
		return copyError(ref.ID, err)
	}
	if limit > 0 && n > limit {
		return integrityErrorf("blob %s is larger than allowed", ref.ID)
	}
	if src.n != ref.Size || hex.EncodeToString(src.Sum()) != ref.BLAKE3 {
		return integrityErrorf("blob %s: ciphertext does not match the signed header", ref.ID)
	}
	return nil
}

// decryptContent streams the content of an attachment of size bytes (as
// its manifest says) to w, and checks that the rest of its plaintext is the
// padding its record's format requires: zero bytes, exactly up to the
// padded size. When it returns an error, whatever reached w must be
// discarded; an error of w itself comes back unchanged.
func (v *Vault) decryptContent(ctx context.Context, dek []byte, ref record.BlobRef, size int64, padded bool, w io.Writer) error {
	return v.decryptContentSum(ctx, dek, ref, size, padded, w, nil)
}

// decryptContentSum is decryptContent that also feeds the content to sum,
// if set: for a large blob on a goroutine of its own, beside the writing.
func (v *Vault) decryptContentSum(ctx context.Context, dek []byte, ref record.BlobRef, size int64, padded bool, w io.Writer, sum hash.Hash) error {
	ident, blob, err := v.openEncrypted(ctx, dek, ref)
	if err != nil {
		return err
	}
	defer blob.Close()
	return decryptOpened(ctx, ident, blob, ref, size, padded, w, sum)
}

// decryptOpened is decryptContentSum on an opened blob. A blob of
// parMinSize bytes or more is decrypted on every core (parread.go).
func decryptOpened(ctx context.Context, ident age.Identity, blob blobs.Reader, ref record.BlobRef, size int64, padded bool, w io.Writer, sum hash.Hash) error {
	if ref.Size >= parMinSize {
		u := newUnpadWriter(w, ref.ID, size, padded)
		err := decryptParallel(ctx, ident, blob, ref, u, sum)
		if err == nil {
			return u.finish()
		}
		if !errors.Is(err, errParLargeHead) {
			return err
		}
	}
	if sum != nil {
		w = io.MultiWriter(w, sum)
	}
	u := newUnpadWriter(w, ref.ID, size, padded)
	if err := decryptStream(ctx, ident, blob, ref, u, 0); err != nil {
		return err
	}
	return u.finish()
}

// decryptRange writes length bytes of an attachment's content from offset
// to w, touching only the age chunks the range needs and never returning
// padding; size is the content size the manifest names. The padding is not
// read: check --read-data verifies it.
func (v *Vault) decryptRange(ctx context.Context, dek []byte, ref record.BlobRef, size int64, padded bool, offset, length int64, w io.Writer) error {
	ident, blob, err := v.openEncrypted(ctx, dek, ref)
	if err != nil {
		return err
	}
	defer blob.Close()
	ra, got, err := age.DecryptReaderAt(blob, ref.Size, ident)
	if err != nil {
		return blobError(ref.ID, err)
	}
	if got != plaintextSize(size, padded) {
		return integrityErrorf("attachment %s: size does not match its manifest", ref.ID)
	}
	// length > size-offset, not offset+length > size: the sum overflows
	// for a huge length, which would read into the padding.
	if length <= 0 || length > size-offset {
		length = size - offset
	}
	_, err = io.CopyBuffer(destWriter{w}, contextReader{ctx, io.NewSectionReader(ra, offset, length)}, make([]byte, 64<<10))
	return copyError(ref.ID, err)
}

// openEncrypted opens a blob and the age identity that decrypts it under
// the part's DEK. The caller closes the blob.
func (v *Vault) openEncrypted(ctx context.Context, dek []byte, ref record.BlobRef) (age.Identity, blobs.Reader, error) {
	ident, err := tcrypto.NewDEKIdentity(dek, ref.ID)
	if err != nil {
		return nil, nil, err
	}
	blob, err := v.openBlob(ctx, ref)
	if err != nil {
		return nil, nil, blobError(ref.ID, err)
	}
	return ident, blob, nil
}

// hashBlob reads a whole stored blob and checks it against the BLAKE3 hash
// its signed reference pins.
func (v *Vault) hashBlob(ctx context.Context, ref record.BlobRef) error {
	blob, err := v.openBlob(ctx, ref)
	if err != nil {
		return blobError(ref.ID, err)
	}
	defer blob.Close()
	h := blake3.New()
	if _, err := io.CopyBuffer(h, contextReader{ctx, blob}, make([]byte, 1<<20)); err != nil {
		return blobError(ref.ID, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != ref.BLAKE3 {
		return integrityErrorf("blob %s: ciphertext does not match the signed header", ref.ID)
	}
	return nil
}

// contextReader fails its reads once ctx is done: how an interrupted
// command stops streaming (each read is at most a few hundred KiB).
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// writeError marks a failure of the destination, not of the vault's data.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

type destWriter struct{ w io.Writer }

func (d destWriter) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		return n, &writeError{err}
	}
	return n, nil
}

// copyError tells a failed destination (returned as it is) from a failed
// blob.
func copyError(id string, err error) error {
	if err == nil {
		return nil
	}
	var we *writeError
	if errors.As(err, &we) {
		return we.err
	}
	return blobError(id, err)
}
