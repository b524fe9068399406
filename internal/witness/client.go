package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// MaxResponse bounds what is read of a witness's answer: cosignature lines
// are about 150 bytes each.
const MaxResponse = 64 << 10

// DefaultTimeout bounds one add-checkpoint request when the caller's
// client sets none.
const DefaultTimeout = 30 * time.Second

// Errors a caller branches on. ErrInconsistent is the witness's refusal of
// the consistency proof (HTTP 422): it holds a checkpoint this log's
// history does not extend. ErrUnknownLog is its refusal of the log or of
// the checkpoint's signature (HTTP 403).
var (
	ErrInconsistent = errors.New("the witness refused the consistency proof")
	ErrUnknownLog   = errors.New("the witness does not know this log or the key that signed the checkpoint")
)

// ConflictError is the witness's answer 409 Conflict: the old size sent is
// not the size of the latest checkpoint it has of this log, which is Size.
type ConflictError struct{ Size int64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the witness has a checkpoint of tree size %d, not the size sent", e.Size)
}

// ParseURL checks a witness's URL: absolute, http or https, with a host
// and without a query or fragment. Its errors never repeat a password.
func ParseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("not an http:// or https:// URL")
	case u.Host == "" || u.Opaque != "":
		return nil, errors.New("the URL names no host")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, errors.New("the URL has a query or fragment; give the witness's base URL")
	}
	return u, nil
}

// Request is one add-checkpoint request: the checkpoint (a signed note),
// the size of the checkpoint the caller believes the witness has, and the
// consistency proof from that size to the checkpoint's (empty from 0).
type Request struct {
	Checkpoint []byte
	OldSize    int64
	Proof      tlog.TreeProof
}

// body is the request body of c2sp.org/tlog-witness: "old N", one proof
// hash per line, a blank line, the checkpoint.
func (r Request) body() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(h.String())
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// AddCheckpoint posts req to base's add-checkpoint endpoint and returns the
// witness's cosignature lines, unverified (see Cosign). A nil client
// means one with DefaultTimeout; redirects are never followed. The answers
// the protocol defines come back as *ConflictError (409), ErrUnknownLog
// (403), ErrInconsistent (422); any other failure is an error that names
// the witness by its redacted URL.
func AddCheckpoint(ctx context.Context, client *http.Client, base *url.URL, req Request) ([]byte, error) {
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	endpoint := base.JoinPath("add-checkpoint")
	where := endpoint.Redacted()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), bytes.NewReader(req.body()))
	if err != nil {
		return nil, fmt.Errorf("witness %s: cannot make the request", where)
	}
	resp, err := c.Do(hr)
	if err != nil && ctx.Err() != nil {
		// Wrapped, so that the caller sees the interruption as one.
		return nil, fmt.Errorf("witness %s: %w", where, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("witness %s did not answer: %s", where, netCause(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("witness %s: failed to read its answer: %s", where, netCause(err))
	}
	if len(body) > MaxResponse {
		return nil, fmt.Errorf("witness %s answered with more than %d KiB", where, MaxResponse>>10)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusConflict:
		n, err := strconv.ParseInt(strings.TrimSuffix(string(body), "\n"), 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10)+"\n" != string(body) {
			return nil, fmt.Errorf("witness %s answered 409 Conflict without a tree size", where)
		}
		return nil, &ConflictError{Size: n}
	case http.StatusForbidden:
		return nil, fmt.Errorf("witness %s: %w (it said %s)", where, ErrUnknownLog, excerpt(body))
	case http.StatusUnprocessableEntity:
		return nil, fmt.Errorf("witness %s: %w", where, ErrInconsistent)
	}
	return nil, fmt.Errorf("witness %s answered HTTP %d (%s)", where, resp.StatusCode, excerpt(body))
}

// netCause describes a failed request without the URL that *url.Error
// repeats, which may hold a password.
func netCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "it timed out"
		}
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "it timed out"
	}
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return err.Error()
}

// excerpt quotes the start of what a witness said, escaped, at most 80
// bytes: enough to diagnose, too little to flood a terminal.
func excerpt(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	if len(line) > 80 {
		line = line[:80]
	}
	if len(line) == 0 {
		return "nothing"
	}
	return strconv.Quote(string(line))
}
