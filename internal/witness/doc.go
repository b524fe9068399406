// Package witness is tvault's side of a transparency-log witness: the
// C2SP tlog-witness protocol (c2sp.org/tlog-witness), by which a witness
// checks that a log's new checkpoint extends the last one it saw and
// cosigns it, and the witness keys and cosignatures of
// c2sp.org/tlog-cosignature.
//
// It offers three things: ParseVerifierKey reads a witness's public key,
// the signed-note vkey "name+hash+base64(0x04 || Ed25519 key)", into a
// note.Verifier (torchwood's CosignatureVerifier, so that the signed
// message is exactly the one the witness signs); AddCheckpoint sends one
// add-checkpoint request and classifies the answer; Cosign and Open join a
// checkpoint with the cosignature lines a witness returned and check them.
//
// It knows nothing of vaults or of tvault's audit log: the caller chooses
// the checkpoint, computes the consistency proof, decides what an answer
// means for the vault and stores the result. Like every tvault library it
// never prints, prompts, exits or reads the environment. Answers are read
// through an io.LimitedReader (MaxResponse); an error never carries the
// password of a URL (url.URL.Redacted) nor more than a short, escaped
// excerpt of what a witness said.
package witness
