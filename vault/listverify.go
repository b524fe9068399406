package vault

import (
	"context"
	"crypto/ed25519"
	"errors"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/sigbatch"
	"github.com/tvault/tvault/vault/internal/store"
)

// listBatch is how many signatures list verifies together.
const listBatch = 64

// listPart lists and verifies one share of a listing's candidates. A
// header is parsed without its signature; what makes it listable is the
// check show makes: it belongs to this vault, its sealer was entitled,
// and it is bound to its seal entry (binding.go), whose signature is
// verified. A record sealed before format 3 has no digest in its entry,
// so its header's own signature is verified too.
type listPart struct {
	v       *Vault
	f       ListFilter
	pols    map[int64]*policy.Policy
	cache   *listCache
	out     []Listing
	damaged []string
	marks   []listMark // of headers verified now, for the cache

	pending []pendingListing // bound, signatures not yet verified
	jobs    []sigbatch.Job
}

type pendingListing struct {
	l    Listing
	mark []byte
	jobs int // its signatures: the last jobs appended for it
}

func (p *listPart) run(ctx context.Context, ids []string) error {
	return p.v.view(func(t *store.Txn) error {
		for i, id := range ids {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if err := p.add(t, id); err != nil {
				return err
			}
		}
		p.flush()
		return nil
	})
}

// add checks record id short of its signatures and queues them.
func (p *listPart) add(t *store.Txn, id string) error {
	raw, err := t.Header(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // an index entry whose record was erased
	}
	if err != nil {
		return err
	}
	h, err := record.ParseListing(id, raw)
	if err != nil {
		p.damaged = append(p.damaged, id)
		return nil
	}
	// The index is not signed: confirm each match against the header, so a
	// forged index entry cannot mislabel a record.
	if !matches(h, p.f) {
		return nil
	}
	var mark []byte
	if p.cache != nil {
		if mark = p.cache.mark(id, raw); p.cache.known(t, id, mark) {
			p.out = append(p.out, listing(h))
			return nil
		}
	}
	jobs, err := p.bind(t, h, raw)
	if damaged(err) {
		p.damaged = append(p.damaged, id)
		return nil
	}
	if err != nil {
		return err
	}
	p.pending = append(p.pending, pendingListing{l: listing(h), mark: mark, jobs: len(jobs)})
	p.jobs = append(p.jobs, jobs...)
	if len(p.jobs) >= listBatch {
		p.flush()
	}
	return nil
}

// bind checks header h against its seal entry and returns the signatures
// that remain to verify.
func (p *listPart) bind(t *store.Txn, h *record.Header, raw []byte) ([]sigbatch.Job, error) {
	e, err := p.v.bindHeader(t, h, raw, p.pols)
	if err != nil {
		return nil, err
	}
	// The entry's signer: the sealer of a record sealed here (bindHeader
	// checked it), the importer of one a bundle brought in.
	pub := ed25519.PublicKey(record.SignerKey(e.ActorKey))
	sig, err := e.SigBytes()
	if err != nil {
		return nil, integrityErrorf("record %s: its seal entry %d is malformed", h.ID, e.Seq)
	}
	jobs := []sigbatch.Job{{Pub: pub, Msg: e.SignedBytes(), Sig: sig}}
	if e.Digest == "" {
		hsig, body, err := record.Split(raw)
		if err != nil {
			return nil, integrityErrorf("record %s: header is damaged", h.ID)
		}
		jobs = append(jobs, sigbatch.Job{Pub: record.SignerKey(h.SealerKey), Msg: body, Sig: hsig})
	}
	return jobs, nil
}

// flush verifies the queued signatures: in one batch, and one by one only
// when the batch fails, to find the bad ones.
func (p *listPart) flush() {
	if len(p.pending) == 0 {
		return
	}
	all := sigbatch.Verify(p.jobs)
	j := 0
	for _, pl := range p.pending {
		ok := true
		for _, job := range p.jobs[j : j+pl.jobs] {
			ok = ok && (all || ed25519.Verify(job.Pub, job.Msg, job.Sig))
		}
		j += pl.jobs
		if ok {
			p.out = append(p.out, pl.l)
			if pl.mark != nil {
				p.marks = append(p.marks, listMark{pl.l.ID, pl.mark})
			}
		} else {
			p.damaged = append(p.damaged, pl.l.ID)
		}
	}
	p.pending, p.jobs = p.pending[:0], p.jobs[:0]
}
