package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	redactpkg "github.com/adpilot/adpilot/internal/redact"
)

// MaxBatchSize is the largest number of operations Meta accepts in one batch call.
const MaxBatchSize = 50

// Batch collects Graph operations and sends them in as few calls as
// possible: 50 operations per HTTP call. Each operation counts against the
// rate limits as a separate call, and the usage headers of each answer feed
// the client's scheduler. A Batch is not safe for concurrent use.
type Batch struct {
	c       *Client
	account AccountID
	// items holds the queued requests, with their Secrets and queries:
	// hidden so that no fmt verb shows them even where fmt cannot call
	// Batch's printing methods (see redactpkg.Hidden).
	items redactpkg.Hidden[[]batchItem]
}

// queue returns the queued items, for reading and appending.
func (b *Batch) queue() *[]batchItem {
	if b.items.Get() == nil {
		b.items = redactpkg.Hide([]batchItem(nil))
	}
	return b.items.Get()
}

// size returns the number of queued items.
func (b Batch) size() int {
	if p := b.items.Get(); p != nil {
		return len(*p)
	}
	return 0
}

type batchItem struct {
	req    Request
	method string
	path   string
	out    any
}

// BatchResult is the outcome of one operation, in the order added.
type BatchResult struct {
	// StatusCode is the operation's HTTP status (0 when Meta returned null
	// for it, meaning it was not completed).
	StatusCode int
	// Header holds the operation's headers.
	Header http.Header
	// Usage is parsed from the operation's headers.
	Usage Usage
	// Body is the operation's JSON body.
	Body json.RawMessage
	// Err is the operation's error: a *Error (or *RateLimitError) for Graph
	// errors, or an error matching ErrTransient for an operation Meta did not
	// complete.
	Err error
}

// String describes the batch by account and operations, without tokens or
// request secrets. The printing methods have value receivers.
func (b Batch) String() string {
	return fmt.Sprintf("metaads.Batch{account %s, %d operations}", b.account, b.size())
}

// Format prints String for every verb.
func (b Batch) Format(f fmt.State, verb rune) { redactpkg.Format(f, verb, b.String(), b.String()) }

// LogValue logs the account and the number of operations.
func (b Batch) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account", b.account.String()), slog.Int("operations", b.size()))
}

// MarshalJSON writes the account and the number of operations.
func (b Batch) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Account    string `json:"account"`
		Operations int    `json:"operations"`
	}{b.account.String(), b.size()})
}

// NewBatch starts a batch whose operations use the token and rate-limit
// budget of account (zero for the fallback token).
func (c *Client) NewBatch(account AccountID) *Batch { return &Batch{c: c, account: account} }

// Add queues req; on success its body is decoded into out (which may be
// nil). req.Account must be zero or the batch's account; TokenSource must be
// nil. The error reports an invalid request at once.
func (b *Batch) Add(req Request, out any) error {
	if req.TokenSource != nil {
		return errors.New("metaads: Batch.Add: a batch uses one token; Request.TokenSource must be nil")
	}
	if !req.Account.IsZero() && req.Account != b.account {
		return fmt.Errorf("metaads: Batch.Add: request for %s in a batch for %s", req.Account, b.account)
	}
	req.Account = b.account
	method, path, err := req.validate()
	if err != nil {
		return err
	}
	// The batch keeps the request until Do: later changes by the caller
	// to its maps must not change what is sent.
	if req.Query != nil {
		req.Query = cloneValues(req.Query)
	}
	if req.Form != nil {
		req.Form = cloneValues(req.Form)
	}
	q := b.queue()
	*q = append(*q, batchItem{req: req, method: method, path: path, out: out})
	return nil
}

// Len returns the number of queued operations.
func (b *Batch) Len() int { return b.size() }

type wireBatchOp struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relative_url"`
	Body        string `json:"body,omitempty"`
}

type wireBatchResult struct {
	Code    int `json:"code"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
	Body *string `json:"body"`
}

// Do sends the queued operations, 50 per call, and returns one result per
// operation. Operations Meta answers with null (not completed) are sent
// again, up to the client's retry limit, when they are reads or marked
// Idempotent, after a backoff wait that ends when ctx does. The error is
// non-nil only when a whole call failed; per-item failures are in the
// results. When a call fails, Do stops: the operations of that call and of
// the calls not sent carry an error too (wrapping the call's error), so no
// result looks like a success it was not. The queue is emptied.
func (b *Batch) Do(ctx context.Context) ([]BatchResult, error) {
	if ctx == nil {
		return nil, errNilContext("Batch.Do")
	}
	q := b.queue()
	items := *q
	*q = nil
	results := make([]BatchResult, len(items))
	pending := make([]int, len(items))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		if round > 0 {
			// Null answers mean Meta was too busy: back off before resending.
			if err := b.c.wait(ctx, expBackoff(b.c.cfg.backoffMin, b.c.cfg.backoffMax, round-1)); err != nil {
				err = fmt.Errorf("metaads: batch: waiting to resend %d operations: %w", len(pending), err)
				b.markUnsent(items, pending, results, err)
				return results, err
			}
		}
		var again []int
		for start := 0; start < len(pending); start += MaxBatchSize {
			chunk := pending[start:min(start+MaxBatchSize, len(pending))]
			retry, err := b.send(ctx, items, chunk, results)
			if err != nil {
				b.markUnsent(items, pending[start:], results, err)
				return results, err
			}
			again = append(again, retry...)
		}
		if round >= b.c.cfg.maxRetries {
			break
		}
		pending = again
	}
	return results, nil
}

// markUnsent gives the operations idx, whose call failed or was never
// made, an error wrapping cause.
func (b *Batch) markUnsent(items []batchItem, idx []int, results []BatchResult, cause error) {
	for _, i := range idx {
		it := items[i]
		results[i] = BatchResult{Err: fmt.Errorf("metaads: batch operation %s %s: no result (the batch call failed or was not made): %w", it.method, it.path, cause)}
	}
}

// send posts one chunk and fills results; it returns the indexes of null
// answers that are safe to send again.
func (b *Batch) send(ctx context.Context, items []batchItem, chunk []int, results []BatchResult) ([]int, error) {
	c := b.c
	ops := make([]wireBatchOp, len(chunk))
	keys := make([]schedKey, len(chunk))
	safe := true
	for j, i := range chunk {
		it := items[i]
		q := cloneValues(it.req.Query)
		op := wireBatchOp{Method: it.method}
		if it.method == http.MethodPost {
			op.Body = it.req.Form.Encode()
		} else {
			for k, v := range it.req.Form {
				q[k] = v
			}
		}
		op.RelativeURL = c.cfg.version + "/" + it.path
		if enc := q.Encode(); enc != "" {
			op.RelativeURL += "?" + enc
		}
		ops[j] = op
		keys[j] = c.sched.keyFor(&it.req, it.path)
		safe = safe && (it.method == http.MethodGet || it.req.Idempotent)
	}
	// Each operation counts as a call: admit each against its budgets.
	maxWait := c.quotaWaitFor(ctx, &Request{})
	for j := range chunk {
		if err := c.sched.acquire(ctx, keys[j], maxWait); err != nil {
			for _, k := range keys[:j] {
				c.sched.observe(ctx, k, Usage{}, nil)
			}
			return nil, err
		}
	}
	released := false
	release := func() {
		if !released {
			released = true
			for _, k := range keys {
				c.sched.observe(ctx, k, Usage{}, nil)
			}
		}
	}
	opsJSON, err := json.Marshal(ops)
	if err != nil {
		release()
		return nil, fmt.Errorf("metaads: encoding batch: %w", err)
	}
	// Resolve the token once: the batch call sends it and the item answers
	// are redacted with it (Meta echoes malformed tokens in item errors).
	token, proof, err := c.token(ctx, &Request{Account: b.account})
	if err != nil {
		release()
		return nil, err
	}
	var extra []string
	for _, i := range chunk {
		extra = append(extra, items[i].req.Secrets...)
	}
	secrets := c.callSecrets(token, proof, extra)
	tok := &oauth2.Token{AccessToken: token, TokenType: "Bearer"}
	if proof != "" {
		tok = tok.WithExtra(map[string]any{ExtraAppSecretProof: proof})
	}
	var raw []*wireBatchResult
	req := &Request{Method: http.MethodPost, root: true, Account: b.account, Idempotent: safe,
		TokenSource:     oauth2.StaticTokenSource(tok),
		Form:            url.Values{"batch": {string(opsJSON)}, "include_headers": {"true"}},
		BusinessUseCase: "batch", Secrets: extra}
	if _, err := c.Do(ctx, req, &raw); err != nil {
		release()
		return nil, err
	}
	if len(raw) != len(chunk) {
		release()
		return nil, fmt.Errorf("metaads: batch answered %d results for %d operations", len(raw), len(chunk))
	}
	released = true
	var again []int
	for j, i := range chunk {
		it := items[i]
		r := raw[j]
		if r == nil {
			c.sched.observe(ctx, keys[j], Usage{}, nil)
			results[i] = BatchResult{Err: &Error{Method: it.method, Path: it.path, Type: "BatchItemNotCompleted",
				Message: "Meta returned null for this batch operation (not completed)", IsTransient: true}}
			if it.method == http.MethodGet || it.req.Idempotent {
				again = append(again, i)
			}
			continue
		}
		h := http.Header{}
		for _, kv := range r.Headers {
			h.Add(kv.Name, redact(kv.Value, secrets...))
		}
		body := ""
		if r.Body != nil {
			body = redact(*r.Body, secrets...)
		}
		res := BatchResult{StatusCode: r.Code, Header: h, Usage: ParseUsage(h, time.Now()), Body: json.RawMessage(body)}
		apiErr := parseErrorBody(r.Code, h, []byte(body))
		c.sched.observe(ctx, keys[j], res.Usage, apiErr)
		if apiErr != nil {
			apiErr.Method, apiErr.Path, apiErr.Usage = it.method, it.path, res.Usage
			apiErr.redact(secrets...)
			cl := &call{ctx: ctx, c: c, req: &it.req, method: it.method, path: it.path, key: keys[j]}
			res.Err = cl.finalError(apiErr)
		} else if it.out != nil && strings.TrimSpace(body) != "" {
			if err := json.Unmarshal([]byte(body), it.out); err != nil {
				res.Err = fmt.Errorf("metaads: batch %s %s: decoding into %T: %w", it.method, it.path, it.out, err)
			}
		}
		results[i] = res
	}
	return again, nil
}
