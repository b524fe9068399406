package audit

import "github.com/tvault/tvault/vault/internal/sigbatch"

// batchVerify reports whether every signature in jobs is valid (see
// sigbatch.Verify for the equation and what an acceptance means).
func batchVerify(jobs []sigJob) bool {
	b := make([]sigbatch.Job, len(jobs))
	for i, j := range jobs {
		b[i] = sigbatch.Job{Pub: j.pub, Msg: j.msg, Sig: j.sig}
	}
	return sigbatch.Verify(b)
}
